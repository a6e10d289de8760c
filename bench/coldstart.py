"""Cold start of the publisher function next to the floor any such function pays, in fresh
interpreters: "handler ready" and "first event served".

    python bench/coldstart.py [--rounds 15] [--importtime] [--base CHECKOUT]

A moto server runs in this process with template.yaml's buckets, table and queues, the
site config and 49 articles already published (what a live site's function finds). Each
round runs two fresh child processes (three with `--base`), interleaved so that disk
cache and CPU frequency drift hit them alike, with the function's environment as
template.yaml sets it (WORK_QUEUE and DISTRIBUTION_ID included) and
`AWS_ENDPOINT_URL` at the server:

- floor: `import boto3` and the S3 and DynamoDB clients, with the handler's botocore
  config: what any function that reads S3 and writes DynamoDB pays before its first
  request, and the clients the handler builds before its first event. (Its SQS and
  CloudFront clients are built when first called: a sweep, a breaking article.) The
  handler builds its clients from a botocore session without importing boto3, so its own
  share of this is somewhat less than the floor.
- the handler, timed at three points from the first statement: `import` of
  nashra.handlers.work_queue (Lambda's INIT); `ready`, once `services()` built the
  clients and adapters and `new_publisher()` a publisher; `first event`, once
  `lambda_handler` returned for one upload (a new article: GET, validate, index, render
  its feeds, write them). Validation and rendering (pydantic, `nashra.render`) are
  imported by that first event, not before it (D15): `first event` includes them. Then a
  second upload in the same process is timed alone: `warm event`, the event's own work,
  with every import and client already paid.

With `--base CHECKOUT` (another work tree of nashra, e.g. `git worktree add /tmp/cs-base
HEAD~1`), that checkout's handler is timed too, in the same rounds (its `functions/` first
on the child's path), so a change is measured side by side with what it changed.

Times are measured inside the child around the statements (interpreter start-up
excluded). Every child may write bytecode (`PYTHONDONTWRITEBYTECODE` is dropped from its
environment), so the first round, which is not counted, leaves a `.pyc` beside every
module both sides import: a deployment's dependencies come with theirs (pip compiles
what it installs). Lambda's code directory is read-only, so a module the package ships
without bytecode is compiled on every cold start; the figures here assume none is.

INIT is billed since Aug 2025 (P-COST-1); what the handler defers to its first event is
paid there, so both ratios are printed: ready / floor (the target, <= 1.2), and
first event / (floor + warm event): the whole cold path against a function that would
pay only boto3, its clients and the event's own work.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

from nashra.dev.resources import default_template, load_template, plan_from_template
from nashra.dev.stack import provision, reset_moto
from nashra.editor import FAKE_CREDENTIALS

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"
REGION = "us-east-1"
ARCHIVE = 49
TARGET = 1.2
# The handler's botocore config (nashra.handlers.work_queue.services, Settings defaults).
CLIENT_CONFIG = (
    "from botocore.config import Config\n"
    "config = Config(retries={'mode': 'standard', 'max_attempts': 3},"
    " connect_timeout=3.0, read_timeout=10.0)\n"
)
FLOOR = (
    "import time; _t = time.perf_counter()\n"
    "import boto3\n" + CLIENT_CONFIG + "boto3.client('s3', config=config)\n"
    "boto3.client('dynamodb', config=config)\n"
    "import json; print('COLDSTART', json.dumps({'floor': (time.perf_counter() - _t) * 1000}))\n"
)
HANDLER = """import time; _t = time.perf_counter()
import json, sys
from types import SimpleNamespace
marks = {}
import nashra.handlers.work_queue as h
marks["import"] = (time.perf_counter() - _t) * 1000
h.new_publisher(h.services())
marks["ready"] = (time.perf_counter() - _t) * 1000
context = SimpleNamespace(
    function_name="nashra-publisher", memory_limit_in_mb=1024, aws_request_id="cold",
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:nashra-publisher",
)
first, warm = (json.loads(a) for a in sys.argv[1:3])
h.lambda_handler(first, context)
marks["first event"] = (time.perf_counter() - _t) * 1000
_w = time.perf_counter()
h.lambda_handler(warm, context)
marks["warm event"] = (time.perf_counter() - _w) * 1000
print("COLDSTART", json.dumps(marks))
"""


def article(article_id: str, published: datetime) -> bytes:
    body = {
        "id": article_id,
        "section": "economy",
        "title": f"خبر قياس زمن الإقلاع رقم {article_id} عن الأسواق الخليجية",
        "published": published.isoformat(timespec="seconds"),
        "body": "<p>ارتفعت أسعار الذهب في تعاملات اليوم إلى مستوى قياسي جديد.</p>" * 5,
        "tags": ["ذهب", "أسواق"],
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def sqs_record(key: str, inbox: str, n: int) -> dict[str, object]:
    """An SQS record carrying an EventBridge S3 "Object Created" event for `key`."""
    body = {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"bucket": {"name": inbox}, "object": {"key": key}},
    }
    return {
        "messageId": f"cold-{n}",
        "receiptHandle": "handle",
        "body": json.dumps(body, ensure_ascii=False),
        "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": "feeds"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:work.fifo",
        "awsRegion": REGION,
    }


def sqs_event(keys: list[str], inbox: str, first: int = 0) -> str:
    """The Lambda event of one batch: a record per key."""
    records = [sqs_record(key, inbox, first + n) for n, key in enumerate(keys)]
    return json.dumps({"Records": records}, ensure_ascii=False)


class Site:
    """The moto server, its resources, and the function's environment for a child."""

    def __init__(self) -> None:
        os.environ.update(FAKE_CREDENTIALS)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.provision()

    def provision(self) -> None:
        """template.yaml's resources on an empty moto server (a reset one, on a second
        call), and the function's environment naming them."""
        reset_moto(self.endpoint)
        plan = plan_from_template(load_template(default_template()), region=REGION)
        urls = provision(plan, self.endpoint, REGION)
        self.inbox = plan.buckets["InboxBucket"]
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("AWS_") and k != "PYTHONDONTWRITEBYTECODE"
        }
        self.env.update(FAKE_CREDENTIALS)
        self.env.update(plan.function_env)
        self.env.update(
            AWS_DEFAULT_REGION=REGION,
            AWS_REGION=REGION,
            AWS_ENDPOINT_URL=self.endpoint,
            INBOX_BUCKET=self.inbox,
            FEEDS_BUCKET=plan.buckets["FeedsBucket"],
            INDEX_TABLE=plan.tables["IndexTable"].name,
            WORK_QUEUE=urls["WorkQueue"],
            DISTRIBUTION_ID=self.distribution(plan.buckets["FeedsBucket"]),
            POWERTOOLS_SERVICE_NAME="nashra",
            POWERTOOLS_METRICS_NAMESPACE="Bench",
        )
        self.s3 = boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION)
        self.uploaded = 0

    def distribution(self, feeds: str) -> str:
        """A CloudFront distribution in front of the feeds bucket (breaking invalidations)."""
        cloudfront = boto3.client("cloudfront", endpoint_url=self.endpoint, region_name=REGION)
        origin = {
            "Id": "feeds",
            "DomainName": f"{feeds}.s3.{REGION}.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""},
        }
        config = {
            "CallerReference": "nashra-coldstart",
            "Origins": {"Quantity": 1, "Items": [origin]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "feeds",
                "ViewerProtocolPolicy": "https-only",
            },
            "Comment": "feeds",
            "Enabled": True,
        }
        created = cloudfront.create_distribution(DistributionConfig=config)
        return str(created["Distribution"]["Id"])

    def publish_archive(self) -> None:
        """The config and `ARCHIVE` articles, published by the handler in a child."""
        for name in ("site.json", "sections.json"):
            self.put(f"config/{name}", (CONTENT / name).read_bytes())
        base = datetime.now(UTC) - timedelta(days=2)
        keys = []
        for n in range(ARCHIVE):
            keys.append(self.put(f"articles/archive-{n}.json", article(f"archive-{n}", base)))
            base += timedelta(minutes=5)
        code = (
            "import sys, nashra.handlers.work_queue as h\n"
            "h.new_publisher(h.services()).publish(['config/site.json', *sys.argv[1:]])\n"
        )
        subprocess.run(
            [sys.executable, "-c", code, *keys],
            check=True,
            env=self.env,
            cwd=ROOT,
            capture_output=True,
        )

    def put(self, key: str, body: bytes) -> str:
        self.s3.put_object(Bucket=self.inbox, Key=key, Body=body)
        return key

    def two_uploads(self) -> tuple[str, str]:
        """Two new articles in the inbox, newest first in the feeds; their events."""
        events = []
        for _ in range(2):
            self.uploaded += 1
            n = self.uploaded
            when = datetime.now(UTC) - timedelta(minutes=1)
            key = self.put(f"articles/cold-{n}.json", article(f"cold-{n}", when))
            events.append(sqs_event([key], self.inbox, n))
        return events[0], events[1]

    def run(
        self, cmd: list[str], checkout: Path = ROOT, extra: dict[str, str] | None = None
    ) -> dict[str, float]:
        """The marks a child printed on its `COLDSTART` line; nashra imported from
        `checkout`, with `extra` in its environment."""
        env = self.env | (extra or {})
        if checkout != ROOT:
            path = [str(checkout / "functions"), env.get("PYTHONPATH", "")]
            env = env | {"PYTHONPATH": os.pathsep.join(p for p in path if p)}
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env, cwd=checkout)
        line = next(x for x in reversed(out.stdout.splitlines()) if x.startswith("COLDSTART"))
        marks: dict[str, float] = json.loads(line.removeprefix("COLDSTART "))
        return marks

    def stop(self) -> None:
        self.server.stop()


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def importtime(site: Site, top: int) -> None:
    """Top imports of the handler by self time, and self time summed per package."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import nashra.handlers.work_queue"],
        capture_output=True,
        text=True,
        check=True,
        env=site.env,
        cwd=ROOT,
    )
    rows = []
    for line in out.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if match:
            rows.append((int(match[1]), int(match[2]), match[4]))
    print(f"\ntop {top} imports by self time (python -X importtime):")
    for self_us, cumulative_us, name in sorted(rows, reverse=True)[:top]:
        print(f"  {self_us / 1000:7.1f} ms self {cumulative_us / 1000:8.1f} ms cum  {name}")
    per_package: dict[str, int] = defaultdict(int)
    for self_us, _, name in rows:
        per_package[name.split(".")[0]] += self_us
    print(f"\ntop {top} packages by summed self time:")
    for name, total in sorted(per_package.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {total / 1000:7.1f} ms  {name}")


def without_bytecode() -> dict[str, str]:
    """An environment in which every module is compiled from source, as on Lambda from a
    package without bytecode (its code directory is read-only: nothing compiled is kept)."""
    return {
        "PYTHONPYCACHEPREFIX": tempfile.mkdtemp(prefix="nashra-no-pyc-"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def measure(
    site: Site, rounds: int, base: Path | None, from_source: bool = False
) -> dict[str, list[float]]:
    """Samples per mark; the base checkout's handler marks are prefixed `base `. Its
    child and this checkout's swap places every round. `from_source`: the floor and this
    checkout's handler once more without bytecode, prefixed `source `."""
    samples: dict[str, list[float]] = defaultdict(list)
    for n in range(rounds + 1):  # the first round warms the disk cache and .pyc files
        marks = site.run([sys.executable, "-c", FLOOR])
        if from_source:
            floor = site.run([sys.executable, "-c", FLOOR], extra=without_bytecode())
            marks["source floor"] = floor["floor"]
            cmd = [sys.executable, "-c", HANDLER, *site.two_uploads()]
            handler = site.run(cmd, extra=without_bytecode())
            marks |= {"source " + name: value for name, value in handler.items()}
        handlers = [(ROOT, "")] + ([(base, "base ")] if base is not None else [])
        for checkout, prefix in handlers[:: 1 if n % 2 else -1]:
            cmd = [sys.executable, "-c", HANDLER, *site.two_uploads()]
            handler = site.run(cmd, checkout)
            marks |= {prefix + name: value for name, value in handler.items()}
        if n == 0:
            continue
        for name, value in marks.items():
            samples[name].append(value)
    return samples


LABELS = {
    "floor": "floor: import boto3 + S3 and DynamoDB clients",
    "import": "handler: import (Lambda INIT)",
    "ready": "handler: ready (+ services, publisher)",
    "first event": "handler: first event served (ready + 1 upload)",
    "warm event": "handler: the next upload, warm (alone)",
}


def ratios(median: dict[str, float], prefix: str) -> dict[str, float]:
    """import / floor, first event / (floor + warm event), ready / floor."""
    floor, warm = median["floor"], median[prefix + "warm event"]
    return {
        "import / floor": median[prefix + "import"] / floor,
        "first event served / (floor + warm event)": median[prefix + "first event"]
        / (floor + warm),
        "ready / floor": median[prefix + "ready"] / floor,
    }


def report(samples: dict[str, list[float]], rounds: int, base: Path | None) -> None:
    median = {name: statistics.median(values) for name, values in samples.items()}
    print(f"python {sys.version.split()[0]}, {rounds} interleaved rounds, fresh processes")
    head = f"{'variant':<48} {'median ms':>10} {'p90 ms':>8}"
    print(head + (f" {'base median':>12} {'base p90':>9}" if base else ""))
    for name, label in LABELS.items():
        row = f"{label:<48} {median[name]:10.1f} {p90(samples[name]):8.1f}"
        if base is not None and name != "floor":
            row += f" {median['base ' + name]:12.1f} {p90(samples['base ' + name]):9.1f}"
        print(row)
    mine = ratios(median, "")
    if "source ready" in median:
        print("without bytecode (every module compiled from source, as from a package without")
        print("it on Lambda's read-only code directory; functions/Makefile ships it):")
        for name in ("floor", "import", "ready", "first event"):
            print(f"  {name:<12} {median['source ' + name]:10.1f} ms")
        saved = median["source first event"] / median["first event"]
        print(f"ratio handler first event without / with bytecode (medians): {saved:.2f}")
    if base is not None:
        print(f"base checkout: {base}")
        for name, value in ratios(median, "base ").items():
            print(f"base ratio handler {name} (medians): {value:.2f}")
    for name, value in mine.items():
        if name != "ready / floor":
            print(f"ratio handler {name} (medians): {value:.2f}")
    ratio = mine["ready / floor"]
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"ratio handler ready / floor (medians): {ratio:.2f} (target <= {TARGET}: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--importtime", action="store_true", help="also list the top imports")
    parser.add_argument(
        "--base", type=Path, help="another checkout of nashra whose handler is timed alongside"
    )
    parser.add_argument(
        "--from-source",
        action="store_true",
        help="also time the floor and the handler with every module compiled from source",
    )
    args = parser.parse_args()
    site = Site()
    try:
        site.publish_archive()
        samples = measure(site, args.rounds, args.base, args.from_source)
        report(samples, args.rounds, args.base)
        if args.importtime:
            importtime(site, 10)
    finally:
        site.stop()


if __name__ == "__main__":
    main()
