"""The critical path of the publisher's Lambda batch, with AWS's round trips put back in.

    .venv/bin/python bench/critical_path.py                 # 5 rounds, 20 ms per call
    .venv/bin/python bench/critical_path.py --rounds 3 --delay-ms 20 --in-process

moto answers a call in a millisecond or a few, which hides what a real AWS call costs: a
network round trip. So every S3 and DynamoDB call of the handler waits `--delay-ms` in a
botocore `before-call` hook (registered on boto3's default session before the handler
builds its clients), and the real `lambda_handler` is given SQS batches of EventBridge S3
events, as Lambda gives them, and timed from the call to its return. Each batch runs as
shipped (independent calls side by side, `nashra.lookahead.Pool`), as shipped with no
delay (what moto's and nashra's own CPU cost), and with one call at a time
(`Publisher.pool.workers = 1`, and `VariantStore.workers = 1`: each file's variants one
after the other, no file checked ahead), interleaved, round after round; medians are shown.

moto runs as a server in a child process (its CPU on the other core, as AWS's is not the
function's), with `nashra dev`'s patches (dev/moto_patches.py, P-MOTO-3: as it ships, each
transaction copies the whole table, which this bench would time instead of nashra);
`--in-process` runs it under `mock_aws` in this process instead, where its CPU and the
handler's take turns on one interpreter lock.

Rows:
- one upload: a batch of one record; its article is published and gulf and all rendered;
- ten uploads, rendered: a batch of ten records with no work queue configured, so the
  feeds are rendered in the batch;
- ten uploads, deferred: the same in the deployed shape (WORK_QUEUE set): a full batch
  means more wait behind it, so its feeds are deferred to a render request...
- ...and that render request, the next batch.

"trips" is the batch's critical path in round trips: what a delay of 200 ms per call
adds to its time (over none), divided by 200 ms; at that delay the CPU around the calls
is small beside it, so the count holds on a busy machine. moto's own answers take
milliseconds of CPU that real AWS spends elsewhere, so the time itself ("ms", with
`--delay-ms`) is shown but is not the figure held to the target. The last line: one
upload's batch against the target of 8 round trips (160 ms at 20 ms); exit status 1 when
it misses.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from nashra.adapters.variants import VariantStore
from nashra.lookahead import WORKERS
from nashra.publish import Publisher

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
REGION = "us-east-1"
INBOX, FEEDS, TABLE, QUEUE = "bench-inbox", "bench-feeds", "bench-index", "bench-work.fifo"
TARGET_TRIPS = 8
TRIP_MS = 200.0  # the delay the round trips are counted at
ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "INBOX_BUCKET": INBOX,
    "FEEDS_BUCKET": FEEDS,
    "INDEX_TABLE": TABLE,
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_METRICS_NAMESPACE": "Bench",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


class Wire:
    """The before-call hook: counts each call by service and waits `delay` seconds."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.calls: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, event_name: str, **_: Any) -> None:
        with self.lock:
            self.calls[event_name.split(".")[1]] += 1  # before-call.s3.GetObject -> s3
        if self.delay:
            time.sleep(self.delay)


@dataclass
class Row:
    name: str
    shipped: list[float] = field(default_factory=list)  # ms per batch, as shipped
    no_delay: list[float] = field(default_factory=list)  # the same, calls not delayed
    long_delay: list[float] = field(default_factory=list)  # the same, TRIP_MS per call
    one_at_a_time: list[float] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)  # per batch, as shipped


@dataclass
class Stack:
    """moto's buckets, table and queue, the handler module, and clients without delay."""

    handler: Any
    s3: Any
    sqs: Any
    queue_url: str
    queue_arn: str
    wire: Wire
    workers: int = 8
    n: int = 0

    def article(self) -> str:
        """Upload a new gulf article; its key."""
        self.n += 1
        article_id = f"bench-{self.n:05d}"
        body = {
            "id": article_id,
            "section": "gulf",
            "title": f"وزير الدفاع يلتقي نظيره الكويتي {self.n}",
            "published": "2026-11-20T10:30:00+03:00",
            "body": "<p>في خطوة تعكس عمق العلاقات الاستراتيجية بين البلدين، التقى الوزيران.</p>",
            "authors": ["فهد العنزي"],
        }
        key = f"articles/{article_id}.json"
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.s3.put_object(Bucket=INBOX, Key=key, Body=data)
        return key

    def invoke(self, bodies: list[str]) -> float:
        """One Lambda invocation with these message bodies; its milliseconds."""
        records = [_record(body, self.queue_arn) for body in bodies]
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # Powertools' EMF lines
            response = self.handler.lambda_handler({"Records": records}, _Context())
        took = (time.perf_counter() - started) * 1000
        if response["batchItemFailures"]:
            raise RuntimeError(f"records failed: {response}")
        return took

    def queued(self) -> list[str]:
        """Bodies nashra queued for itself (a render request), taken off the queue."""
        bodies: list[str] = []
        while True:
            got = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            messages = got.get("Messages", [])
            if not messages:
                return bodies
            for m in messages:
                bodies.append(m["Body"])
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])

    def deployed(self, on: bool) -> None:
        """WORK_QUEUE set (as template.yaml deploys it) or not; new clients either way."""
        if on:
            os.environ["WORK_QUEUE"] = self.queue_url
        else:
            os.environ.pop("WORK_QUEUE", None)
        self.handler.services.cache_clear()
        self.handler.services()


def _event(key: str) -> str:
    detail = {"bucket": {"name": INBOX}, "object": {"key": key}}
    return json.dumps({"source": "aws.s3", "detail-type": "Object Created", "detail": detail})


def _record(body: str, queue_arn: str) -> dict[str, Any]:
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "bench",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(int(time.time() * 1000)),
            "MessageGroupId": "feeds",
            "MessageDeduplicationId": uuid.uuid4().hex,
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


class _Context:
    function_name = "nashra-publisher"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:nashra-publisher"
    aws_request_id = "bench"
    log_group_name = "/aws/lambda/nashra-publisher"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


# A moto server with the dev stack's patches, in a child process; prints its port.
SERVER = """
import sys
from moto.server import ThreadedMotoServer
from nashra.dev import moto_patches
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
moto_patches.apply()
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""


@contextlib.contextmanager
def moto(in_process: bool) -> Iterator[None]:
    """moto under `mock_aws` here, or as a server in a child process (AWS_ENDPOINT_URL)."""
    if in_process:
        from nashra.dev import moto_patches

        with mock_aws():
            moto_patches.apply()
            try:
                yield
            finally:
                moto_patches.remove()
        return
    child = subprocess.Popen(
        [sys.executable, "-c", SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{child.stdout.readline().strip()}"
        yield
    finally:
        os.environ.pop("AWS_ENDPOINT_URL", None)
        if child.stdin is not None:
            child.stdin.close()
        child.wait(timeout=30)


@contextlib.contextmanager
def stack(in_process: bool) -> Iterator[Stack]:
    os.environ.update(ENV)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "WORK_QUEUE"):
        os.environ.pop(name, None)
    with moto(in_process):
        plain = boto3.session.Session(region_name=REGION)  # no delay: the bench's own calls
        s3, sqs = plain.client("s3"), plain.client("sqs")
        s3.create_bucket(Bucket=INBOX)
        s3.put_bucket_versioning(Bucket=INBOX, VersioningConfiguration={"Status": "Enabled"})
        s3.create_bucket(Bucket=FEEDS)
        from nashra.dev.resources import create_index_table

        create_index_table(plain.client("dynamodb"), TABLE)
        url = sqs.create_queue(
            QueueName=QUEUE, Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
        )["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        wire = Wire()
        boto3.setup_default_session(region_name=REGION)
        assert boto3.DEFAULT_SESSION is not None
        boto3.DEFAULT_SESSION.events.register("before-call", wire)
        from nashra.handlers import work_queue

        original = work_queue.new_publisher
        bench = Stack(work_queue, s3, sqs, url, arn["QueueArn"], wire)

        def new_publisher(svc: work_queue.Services) -> Publisher:
            publisher = original(svc)
            publisher.pool.workers = bench.workers
            if isinstance(publisher.store, VariantStore):  # its variants side by side, or not
                publisher.store.workers = bench.workers
            return publisher

        work_queue.new_publisher = new_publisher
        try:
            yield bench
        finally:
            work_queue.new_publisher = original
            work_queue.services.cache_clear()


def settle(bench: Stack) -> None:
    """The config, then a few articles, published without delay."""
    for name in ("site.json", "sections.json"):
        bench.s3.put_object(Bucket=INBOX, Key=f"config/{name}", Body=(CONTENT / name).read_bytes())
    bench.deployed(False)
    bench.invoke([_event("config/site.json"), _event("config/sections.json")])
    bench.invoke([_event(bench.article()) for _ in range(5)])


Run = Callable[[list[str]], float]


def scenarios(bench: Stack) -> list[tuple[str, bool, Callable[[], list[str]]]]:
    """Each row's batch: its name, whether WORK_QUEUE is set, and its message bodies."""
    return [
        ("one", True, lambda: [_event(bench.article())]),
        ("ten", False, lambda: [_event(bench.article()) for _ in range(10)]),
        ("deferred", True, lambda: [_event(bench.article()) for _ in range(10)]),
        ("render", True, bench.queued),  # the render request the deferred batch queued
    ]


def one_round(bench: Stack, rows: dict[str, Row], delay: float) -> None:
    """Every row, in each way of running it: as shipped with the delay, with none, with
    TRIP_MS (for the round trips), one call at a time."""
    ways = [(WORKERS, delay, "shipped"), (WORKERS, 0.0, "no_delay")]
    ways += [(WORKERS, TRIP_MS / 1000, "long_delay"), (1, delay, "one_at_a_time")]
    for workers, wait, column in ways:
        for name, deployed, bodies in scenarios(bench):
            bench.deployed(deployed)
            batch = bodies()
            if name == "render" and [json.loads(b).get("action") for b in batch] != ["render"]:
                raise RuntimeError(f"expected one render request, got {batch}")
            bench.workers, bench.wire.delay = workers, wait
            bench.wire.calls.clear()
            took = bench.invoke(batch)
            bench.wire.delay = 0.0
            getattr(rows[name], column).append(took)
            if column == "shipped":
                rows[name].calls = Counter(bench.wire.calls)


def trips(row: Row) -> float:
    """The critical path in round trips: what TRIP_MS per call added to the time, per
    TRIP_MS (at that delay, moto's and nashra's CPU are small beside it)."""
    added = [
        (slow - bare) / TRIP_MS for slow, bare in zip(row.long_delay, row.no_delay, strict=True)
    ]
    return statistics.median(added)


def report(rows: dict[str, Row], delay_ms: float) -> bool:
    header = (
        f"{'batch':<34} {'S3':>4} {'DDB':>4} {'trips':>5} {'ms':>6} {'no delay':>8} "
        f"{'1 call at a time':>16} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in rows.values():
        shipped, bare = statistics.median(row.shipped), statistics.median(row.no_delay)
        serial = statistics.median(row.one_at_a_time)
        print(
            f"{row.name:<34} {row.calls['s3']:>4} {row.calls['dynamodb']:>4} "
            f"{trips(row):>5.1f} {shipped:>6.0f} {bare:>8.0f} {serial:>16.0f} "
            f"{shipped / serial:>6.2f}"
        )
    one = rows["one"]
    path = trips(one)
    shipped, bare = statistics.median(one.shipped), statistics.median(one.no_delay)
    target = TARGET_TRIPS * delay_ms
    ok = path <= TARGET_TRIPS
    print(
        f"one upload's batch: {path:.1f} round trips on its critical path "
        f"({path * delay_ms:.0f} ms of waiting at {delay_ms:.0f} ms a call) against the target "
        f"of {TARGET_TRIPS} ({target:.0f} ms): ratio {path / TARGET_TRIPS:.2f} "
        f"({'met' if ok else 'MISSED'}); measured {shipped:.0f} ms with the delay, {bare:.0f} "
        f"ms with none (moto's answers and nashra's CPU)"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--delay-ms", type=float, default=20.0)
    parser.add_argument("--in-process", action="store_true", help="moto under mock_aws here")
    args = parser.parse_args()
    rows = {
        "one": Row("one upload (1 record)"),
        "ten": Row("ten uploads, rendered (10 records)"),
        "deferred": Row("ten uploads, deferred (deployed)"),
        "render": Row("the render request that follows"),
    }
    with stack(args.in_process) as bench:
        settle(bench)
        for _, deployed, bodies in scenarios(bench):  # warm: each client's first calls
            bench.deployed(deployed)
            bench.invoke(bodies())
        for _ in range(args.rounds):
            one_round(bench, rows, args.delay_ms / 1000)
    where = "in this process" if args.in_process else "as a server in a child process"
    flag = " --in-process" if args.in_process else ""
    print(
        f"command: {sys.executable} bench/critical_path.py --rounds {args.rounds} "
        f"--delay-ms {args.delay_ms:g}{flag}"
    )
    print(f"medians of {args.rounds} rounds; calls per batch as shipped; moto {where}")
    return 0 if report(rows, args.delay_ms) else 1


if __name__ == "__main__":
    sys.exit(main())
