"""The fault suite: the inbox is the truth (issue 9).

Each test breaks the pipeline one way — an event lost, repeated, reordered, dead-lettered,
an AWS call failing, a crash between the index and the feeds, a feed damaged by hand, a
config change under load — then lets it settle through the real `lambda_handler` over moto
(S3 with EventBridge on, the rule, SQS FIFO, DynamoDB), with a sweep message where the
scenario needs healing. Then the oracle (tests/oracle.py) holds: the feeds bucket is, byte
for byte, what a full `nashra build` of the inbox's current contents gives, and the index
has seen exactly the inbox's current ETags. Where the fault could be invisible, the test
first shows the feeds diverged, so convergence is the sweep's doing.

Every test runs in the deployed shape: WORK_QUEUE is set, so a config change queues a
re-deriving sweep and a sweep queues its next chunk, all through the work queue.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fakes.sqs_fifo import Clock, FakeSqsFifo
from nashra.adapters.dynamodb import DynamoIndex
from nashra.adapters.sqs import SqsRequeue
from nashra.core.keys import SITE_FILES
from oracle import (
    differences,
    expected_feeds,
    expected_reports,
    list_objects,
    published_feeds,
    published_reports,
    unseen_etags,
)
from stories import article_json

INBOX, FEEDS, TABLE = "nashra-inbox", "nashra-feeds", "nashra-index"
CONTENT = Path(__file__).resolve().parents[2] / "content"
SPORTS = ("fifa-club-world-cup-draw", "gulf-cup-kuwait-semifinal", "kuwait-marathon-record")
SEED = [  # nine of the project's own articles, every kind of section; three in sports
    CONTENT / "articles" / f"{name}.json"
    for name in (
        *SPORTS,
        "5g-year-in-review",
        "arab-foreign-ministers-emergency-meeting",
        "defence-minister-kuwait-meeting",
        "gold-price-record",
        "parliament-budget-debate",
        "type-2-diabetes-daily-habits",
    )
]


def site_json(**changes: Any) -> dict[str, Any]:
    site: dict[str, Any] = json.loads((CONTENT / "site.json").read_text(encoding="utf-8"))
    site.update(changes)
    return site


def sections_json(drop: str = "", add: str = "") -> list[dict[str, str]]:
    sections: list[dict[str, str]] = json.loads((CONTENT / "sections.json").read_bytes())
    sections = [s for s in sections if s["slug"] != drop]
    if add:
        sections.append({"slug": add, "title": "رأي", "description": "مقالات الرأي"})
    return sections


def seed(p: Any, settle: Callable[[], object]) -> None:
    """The config, then the project's own articles, a naive date (its zone comes from the
    config), a draft and a rejected upload: what every scenario starts from. `settle`
    drains the work queue (the config's re-deriving sweeps run before the articles come)."""
    p.upload_config()
    settle()
    for path in SEED:
        p.upload(f"articles/{path.name}", path.read_bytes())
    p.upload("articles/naive.json", article_json("naive", published="2026-11-21T09:00:00"))
    p.upload("articles/draft.json", article_json("draft", status="draft"))
    p.upload("articles/bad.json", {"title": "ناقص", "section": "gulf"})
    settle()


# -- settling the pipeline -----------------------------------------------------------------


def invoke(p: Any, messages: list[dict[str, Any]]) -> set[str]:
    """One Lambda invocation; the failed message ids. An invocation that raises (a flush
    that failed) fails every record, as Lambda retries the whole batch."""
    try:
        failed: set[str] = p.invoke(messages)
    except Exception:
        return {m["MessageId"] for m in messages}
    return failed


def settle(p: Any, messages: list[dict[str, Any]], failed: set[str]) -> None:
    """Delete the handled messages; failed ones become visible again at once."""
    for m in messages:
        if m["MessageId"] in failed:
            p.sqs.change_message_visibility(
                QueueUrl=p.queue_url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
            )
        else:
            p.sqs.delete_message(QueueUrl=p.queue_url, ReceiptHandle=m["ReceiptHandle"])


def pump(p: Any, batch: int = 10, after: Callable[[], None] | None = None) -> list[list[str]]:
    """Deliver batches until the queue is empty, retrying failures; `after` runs after each
    batch (more uploads arriving). Returns the bodies of every batch, in order."""
    bodies: list[list[str]] = []
    for _ in range(200):
        messages = p.receive(batch)
        if not messages:
            return bodies
        bodies.append([m["Body"] for m in messages])
        settle(p, messages, invoke(p, messages))
        if after is not None:
            after()
    raise AssertionError("the work queue did not drain")


def sweep(p: Any) -> list[list[str]]:
    """What the hourly Scheduler sends (`{"action":"sweep"}`), then settle."""
    body = json.dumps({"action": "sweep"})
    p.sqs.send_message(
        QueueUrl=p.queue_url,
        MessageBody=body,
        MessageGroupId="feeds",
        MessageDeduplicationId=uuid.uuid4().hex,
    )
    return pump(p)


def lose_events(p: Any) -> list[dict[str, Any]]:
    """Take every queued message off the queue unprocessed: events that never arrive."""
    lost: list[dict[str, Any]] = []
    while messages := p.receive():
        lost += messages
        settle(p, messages, set())
    return lost


# -- the oracle --------------------------------------------------------------------------


def assert_converged(p: Any, now: datetime | None = None) -> None:
    """Feeds byte-identical to a full build of the inbox (at `now`: the present unless the
    test moves the publisher's clock), and the index has seen exactly the inbox's current
    ETags (nothing left for a sweep to heal)."""
    published, expected = published_feeds(p.s3, FEEDS), expected_feeds(p.s3, INBOX, now)
    assert {"all/rss.xml", "breaking/atom.xml", *SITE_FILES} <= expected.keys()
    assert published == expected, differences(published, expected)
    assert published_reports(p.s3, INBOX) == expected_reports(p.s3, INBOX, now)
    assert unseen_etags(p.s3, p.dynamodb, INBOX, TABLE) == {}


def assert_diverged(p: Any, now: datetime | None = None) -> None:
    """The fault is visible: the feeds are not what the inbox says (yet)."""
    assert published_feeds(p.s3, FEEDS) != expected_feeds(p.s3, INBOX, now)


def keys_healed(capsys: pytest.CaptureFixture[str]) -> tuple[float, float, float]:
    """The KeysHealed metrics the handler printed (EMF) since the last call: the total,
    which raises the operators' alarm, and each direction (found in the inbox; gone from
    it but still in the index)."""
    names = ("KeysHealed", "KeysHealedFromInbox", "KeysHealedGone")
    totals = dict.fromkeys(names, 0.0)
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("{") and '"KeysHealed"' in line:
            emf = json.loads(line)
            for name in names:
                value = emf.get(name, 0)
                totals[name] += sum(value) if isinstance(value, list) else value
    return totals["KeysHealed"], totals["KeysHealedFromInbox"], totals["KeysHealedGone"]


def feed_ids(p: Any, feed: str) -> list[str]:
    raw = p.feed(f"{feed}/feed.json")
    items = [] if raw is None else json.loads(raw)["items"]
    return [item["url"].rstrip("/").rsplit("/", 1)[-1] for item in items]


class Fault:
    """A botocore `before-call` hook: answers the `nth` call that `matches` (every one
    while `always`) with an AWS error, as S3 or DynamoDB would over the wire."""

    def __init__(
        self,
        code: str,
        status: int,
        *,
        nth: int = 1,
        always: bool = False,
        matches: Callable[[dict[str, Any]], bool] = lambda _: True,
    ) -> None:
        self.code, self.status, self.nth = code, status, nth
        self.always, self.matches = always, matches
        self.seen = self.failed = 0
        self.armed = True

    def __call__(self, context: dict[str, Any], **_: Any) -> Any:
        if not (self.armed and self.matches(context.get("input_params") or {})):
            return None
        self.seen += 1
        if not (self.always or self.seen == self.nth):
            return None
        self.failed += 1
        error = {"Code": self.code, "Message": "injected by the fault suite"}
        metadata = {"HTTPStatusCode": self.status}
        return _Http(self.status), {"Error": error, "ResponseMetadata": metadata}


class _Http:
    def __init__(self, status: int) -> None:
        self.status_code, self.headers, self.content = status, {}, b""


def svc(p: Any) -> Any:
    return p.handler.services()


@pytest.fixture
def deployed(pipeline: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The pipeline with WORK_QUEUE set, as template.yaml deploys it."""
    monkeypatch.setenv("WORK_QUEUE", pipeline.queue_url)
    pipeline.handler.services.cache_clear()
    pipeline.calls.watch(svc(pipeline).source.client)
    pipeline.calls.watch(svc(pipeline).index.client)
    return pipeline


@pytest.fixture
def live(deployed: Any) -> Iterator[Any]:
    """Seeded and settled, and already converged: the starting point of each scenario."""
    seed(deployed, lambda: pump(deployed))
    assert_converged(deployed)
    deployed.calls.clear()
    yield deployed


# -- lost, repeated and reordered events ---------------------------------------------------


def test_lost_create_is_healed_by_the_sweep(live: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """An upload whose event never reaches the queue: the next sweep publishes it, and
    says it healed one key."""
    live.upload("articles/lost.json", article_json("lost", breaking=True))
    assert len(lose_events(live)) == 1
    live.upload("articles/found.json", article_json("found", section="economy"))
    pump(live)
    assert_diverged(live)
    assert "lost" not in feed_ids(live, "all")
    capsys.readouterr()
    sweep(live)
    assert keys_healed(capsys) == (1, 1, 0)
    assert_converged(live)
    assert "lost" in feed_ids(live, "breaking")


def test_reports_converge_through_lost_events(
    live: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reports follow the inbox as the feeds do. A rejected file's fix whose event is
    lost, and a misnamed file in a spelling the event rule does not match («.jSON»): the
    sweep removes the stale report and writes the missing one, then finds nothing more."""
    live.upload("articles/bad.json", {"title": "بلا قسم"})
    pump(live)
    assert live.report("articles/bad.json") is not None
    live.upload("articles/bad.json", article_json("bad"))
    live.upload("articles/Odd.jSON", article_json("odd"))
    lose_events(live)  # the fix's event; the misnamed file's never came
    assert published_reports(live.s3, INBOX) != expected_reports(live.s3, INBOX)
    capsys.readouterr()
    sweep(live)
    assert keys_healed(capsys) == (2, 2, 0)
    assert_converged(live)
    assert live.report("articles/bad.json") is None
    [problem, *_] = live.report("articles/Odd.jSON")["problems"]
    assert problem["rule"] == "file-name"
    capsys.readouterr()
    sweep(live)
    assert keys_healed(capsys) == (0, 0, 0)


def test_lost_delete_is_healed_by_the_sweep(live: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """A delete whose event never arrives (moto sends none for a versioned bucket's delete
    marker; AWS may lose one): the sweep finds the key gone and unpublishes it."""
    live.s3.delete_object(Bucket=INBOX, Key="articles/gold-price-record.json")
    lose_events(live)
    assert_diverged(live)
    capsys.readouterr()
    sweep(live)
    assert keys_healed(capsys) == (1, 0, 1)
    assert_converged(live)
    assert "gold-price-record" not in feed_ids(live, "economy")


def test_a_duplicate_times_three_writes_once(live: Any) -> None:
    """The same event delivered three more times, in separate invocations and together in
    one batch: the feeds are written once, then a repeat costs one GET of the article per
    invocation (the batch's three copies share it) and writes nothing."""
    live.upload("articles/dup.json", article_json("dup"))
    [message] = live.receive()
    assert invoke(live, [message]) == set()
    live.calls.clear()
    for _ in range(3):
        assert invoke(live, [message]) == set()
    assert invoke(live, [message, message, message]) == set()
    settle(live, [message], set())
    assert live.calls.count("PutObject", FEEDS) == 0
    assert live.calls.keys("GetObject", INBOX).count("articles/dup.json") == 4
    assert live.calls.count("TransactWriteItems") == 0
    assert_converged(live)


def test_an_older_event_after_the_newer_one(live: Any) -> None:
    """Version 2's event is processed before version 1's: reconciling reads the current
    object, so version 2 stays published."""
    live.upload("articles/v.json", article_json("v", title="العنوان الأول"))
    live.upload("articles/v.json", article_json("v", title="العنوان المصحح", section="politics"))
    first, second = live.receive()
    assert invoke(live, [second]) == set()
    assert invoke(live, [first]) == set()
    settle(live, [first, second], set())
    assert_converged(live)
    assert "v" in feed_ids(live, "politics")
    assert "v" not in feed_ids(live, "gulf")


def test_a_delete_while_the_create_is_in_flight(live: Any) -> None:
    """The file is deleted after the publisher's HEAD and before its GET (the create
    event in flight); the delete event follows. Nothing of it stays published."""
    live.upload("articles/gone.json", article_json("gone", breaking=True))

    deletes: list[str] = []

    def delete_before_get(context: dict[str, Any], **_: Any) -> None:
        key = (context.get("input_params") or {}).get("Key")
        if key == "articles/gone.json" and not deletes:
            deletes.append(key)
            live.delete(key)  # the object and its "Object Deleted" event

    svc(live).source.client.meta.events.register("before-call.s3.GetObject", delete_before_get)
    [create] = live.receive()
    assert invoke(live, [create]) == set()
    settle(live, [create], set())
    assert deletes  # the publisher had read the HEAD and was about to GET
    pump(live)
    assert_converged(live)
    assert "gone" not in feed_ids(live, "all")


# -- AWS failing -------------------------------------------------------------------------


FAILURES = {
    "s3-get-500": ("s3", "GetObject", "InternalError", 500),
    "s3-head-503": ("s3", "HeadObject", "SlowDown", 503),
    "dynamodb-write-throttled": (
        "dynamodb",
        "TransactWriteItems",
        "ProvisionedThroughputExceededException",
        400,
    ),
    "dynamodb-query-500": ("dynamodb", "Query", "InternalServerError", 500),
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_one_failing_aws_call_is_retried(live: Any, failure: str) -> None:
    """One S3 or DynamoDB call answers throttling or a 500 (injected through botocore's
    event hooks: moto never fails on its own). The record, or the whole batch when the
    flush failed, comes back and converges."""
    service, operation, code, status = FAILURES[failure]
    fault = Fault(code, status)
    client = svc(live).source.client if service == "s3" else svc(live).index.client
    client.meta.events.register(f"before-call.{service}.{operation}", fault)
    live.upload("articles/f1.json", article_json("f1"))
    live.upload("articles/f2.json", article_json("f2", section="economy"))
    live.upload("articles/bad.json", article_json("bad", section="world"))  # fixed
    bodies = pump(live)
    assert fault.failed == 1
    assert len(bodies) >= 2  # the failure came back in another batch
    assert_converged(live)


def test_a_crash_between_the_index_write_and_the_feed_write(live: Any) -> None:
    """Every PutObject to the feeds bucket fails for one whole invocation, after the index
    was updated; the batch is redelivered (its receive count says so) and every feed is
    rendered again, though the index already has the new state."""
    crash = Fault("InternalError", 500, always=True, matches=lambda p: p.get("Bucket") == FEEDS)
    svc(live).store.client.meta.events.register("before-call.s3.PutObject", crash)
    live.upload("articles/c.json", article_json("c", breaking=True))
    live.delete("articles/parliament-budget-debate.json")  # with its "Object Deleted" event
    messages = live.receive()
    assert invoke(live, messages) == {m["MessageId"] for m in messages}
    assert crash.failed >= 1
    index = DynamoIndex(live.dynamodb, TABLE)
    assert index.find_by_key("articles/c.json") is not None
    assert index.find_by_key("articles/parliament-budget-debate.json") is None
    assert_diverged(live)
    crash.armed = False
    settle(live, messages, {m["MessageId"] for m in messages})
    pump(live)
    assert_converged(live)


@pytest.mark.parametrize("damage", ["deleted", "corrupted"])
def test_a_feed_damaged_by_hand_is_healed_by_the_sweep(live: Any, damage: str) -> None:
    """Someone deletes a feed file in the console, or uploads other bytes over one (no
    sha256 metadata): the sweep's last chunk renders every feed and rewrites it."""
    if damage == "deleted":
        live.s3.delete_object(Bucket=FEEDS, Key="gulf/rss.xml")
    else:
        good = live.feed("all/feed.json")
        live.s3.put_object(Bucket=FEEDS, Key="all/feed.json", Body=good[: len(good) // 2])
    assert_diverged(live)
    sweep(live)
    assert_converged(live)


def test_a_message_in_the_dlq_is_healed_by_the_sweep_and_redrive_is_harmless(
    live: Any,
) -> None:
    """An upload whose record fails five receives in a row lands in the dead-letter queue
    (moto models the redrive policy). The hourly sweep heals it; the runbook's redrive
    (never a purge) then replays the message, which changes nothing."""
    dlq = live.sqs.create_queue(
        QueueName="nashra-work-dlq.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    arn = live.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])
    policy = {"deadLetterTargetArn": arn["Attributes"]["QueueArn"], "maxReceiveCount": 5}
    live.sqs.set_queue_attributes(
        QueueUrl=live.queue_url, Attributes={"RedrivePolicy": json.dumps(policy)}
    )
    outage = Fault("ProvisionedThroughputExceededException", 400, always=True)
    svc(live).index.client.meta.events.register("before-call.dynamodb.TransactWriteItems", outage)
    live.upload("articles/dead.json", article_json("dead", section="health"))
    pump(live)
    assert outage.failed == 5
    outage.armed = False
    [dead] = live.sqs.receive_message(QueueUrl=dlq, VisibilityTimeout=0).get("Messages", [])

    live.upload("articles/alive.json", article_json("alive"))
    pump(live)
    assert "dead" not in feed_ids(live, "health")
    assert_diverged(live)
    sweep(live)
    assert_converged(live)

    live.sqs.send_message(QueueUrl=live.queue_url, MessageBody=dead["Body"], MessageGroupId="feeds")
    live.sqs.delete_message(QueueUrl=dlq, ReceiptHandle=dead["ReceiptHandle"])
    pump(live)
    assert_converged(live)


# -- configuration ---------------------------------------------------------------------------


def test_a_config_change_during_a_burst_of_uploads(
    live: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The site moves to another base URL and zone (every article re-derived) while
    editors keep uploading, updating and deleting. The re-deriving sweep runs in chunks of
    three keys (`Publisher.sweep_chunk`), one message each; uploads interleave between
    chunks; the feeds end where a full build of the final inbox ends."""
    original = live.handler.new_publisher

    def small_chunks(services: Any) -> Any:
        publisher = original(services)
        publisher.sweep_chunk = 3
        return publisher

    monkeypatch.setattr(live.handler, "new_publisher", small_chunks)
    burst = iter(_burst(live))
    live.upload("config/site.json", site_json(base_url="https://nashra.example", timezone="UTC"))
    bodies = pump(live, batch=2, after=lambda: _next(burst))
    assert next(burst, None) is None  # the whole burst went in while the sweep ran

    kinds = [_kind(body) for batch in bodies for body in batch]
    chunks = [n for n, kind in enumerate(kinds) if kind == "sweep"]
    assert len(chunks) >= (len(SEED) + 3) // 3
    assert any(kind == "event" for kind in kinds[chunks[0] : chunks[-1]])  # interleaved
    assert_converged(live)
    assert all(u.startswith("https://nashra.example/") for u in _urls(live, "all"))


def _next(burst: Iterator[Callable[[], None]]) -> None:
    """Run the next upload of the burst, if any is left."""
    for upload in burst:
        upload()
        return


def _kind(body: str) -> str:
    return "sweep" if json.loads(body).get("action") == "sweep" else "event"


def _burst(p: Any) -> list[Callable[[], None]]:
    """Uploads that arrive one after each batch: new, updated (keys before and after the
    sweep's position), deleted (its event delivered), a rejected file fixed."""
    return [
        lambda: p.upload("articles/burst-1.json", article_json("burst-1")),
        lambda: p.upload(
            "articles/5g-year-in-review.json", article_json("5g", section="technology")
        ),
        lambda: p.delete("articles/gold-price-record.json"),
        lambda: p.upload(
            "articles/zz-late.json", article_json("zz-late", published="2026-11-22T08:00:00")
        ),
        lambda: p.upload("articles/bad.json", article_json("bad", section="culture")),
        lambda: p.upload("articles/burst-2.json", article_json("burst-2", breaking=True)),
        lambda: p.upload(
            "articles/type-2-diabetes-daily-habits.json", article_json("t2", section="health")
        ),
    ]


def _urls(p: Any, feed: str) -> list[str]:
    raw = p.feed(f"{feed}/feed.json")
    return [item["url"] for item in json.loads(raw)["items"]]


def test_a_removed_section_leaves_every_feed(live: Any) -> None:
    """sections.json without "sports": its feed files are deleted, its articles leave
    `all` and `breaking`, and OPML and the landing page no longer list it."""
    assert live.feed("sports/rss.xml") is not None
    live.upload("config/sections.json", sections_json(drop="sports"))
    pump(live)
    assert_converged(live)
    assert not [k for k in list_objects(live.s3, FEEDS) if k.startswith("sports/")]
    assert not set(SPORTS) & set(feed_ids(live, "all"))
    for site_file in ("feeds.opml", "index.html"):
        assert b"sports/" not in live.feed(site_file), site_file


@dataclasses.dataclass
class FakeWorkQueue:
    """The work queue as the SQS FIFO fake: `step()` forwards the S3 events moto's rule
    queued (as EventBridge delivers them) and settles the fake's queue."""

    pipeline: Any
    fake: FakeSqsFifo
    clock: Clock
    url: str

    def step(self) -> list[str]:
        """Every body the handler was given, in order."""
        while messages := self.pipeline.receive():
            for m in messages:
                self.fake.send_message(
                    QueueUrl=self.url, MessageBody=m["Body"], MessageGroupId="feeds"
                )
            settle(self.pipeline, messages, set())
        work = dataclasses.replace(self.pipeline, sqs=self.fake, queue_url=self.url)
        return [body for batch in pump(work) for body in batch]


@pytest.fixture
def fake_work_queue(deployed: Any, monkeypatch: pytest.MonkeyPatch) -> FakeWorkQueue:
    """WORK_QUEUE is the fake's queue, and the handler's requeue adapter sends into it."""
    clock = Clock()
    fake = FakeSqsFifo(clock)
    url = fake.create_queue(
        QueueName="nashra-work.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    monkeypatch.setenv("WORK_QUEUE", url)
    monkeypatch.setattr(
        deployed.handler, "SqsRequeue", lambda _client, queue: SqsRequeue(fake, queue)
    )
    deployed.handler.services.cache_clear()
    return FakeWorkQueue(deployed, fake, clock, url)


def test_a_second_config_change_within_five_minutes_rederives(
    fake_work_queue: FakeWorkQueue,
) -> None:
    """site.json, then sections.json a minute later: both re-deriving sweeps are delivered
    and processed. The work queue is the SQS FIFO fake (tests/fakes/sqs_fifo.py), because
    moto forgets a deduplication id once its message is deleted while SQS keeps it five
    minutes; the requeue adapter sends into the fake, and S3 events are forwarded to it
    from moto's queue as the EventBridge rule would deliver them. The article waiting for
    the new section is published only if the second sweep runs."""
    queue, p = fake_work_queue, fake_work_queue.pipeline
    seed(p, queue.step)
    p.upload("articles/opinion.json", article_json("opinion", section="opinion"))
    queue.step()
    assert "opinion" not in feed_ids(p, "all")  # no such section yet

    queue.clock.advance(30)
    p.upload("config/site.json", site_json(title="نشرة الخليج"))
    first = _rederived(queue.step())
    queue.clock.advance(60)  # well within SQS's five-minute deduplication interval
    p.upload("config/sections.json", sections_json(add="opinion"))
    second = _rederived(queue.step())

    assert len(first) == 1 and len(second) == 1 and first != second
    assert "opinion" in feed_ids(p, "opinion")
    assert_converged(p)


def _rederived(bodies: list[str]) -> set[str]:
    """The runs of the re-deriving sweeps started among `bodies` (their first chunks)."""
    runs = set()
    for body in bodies:
        data = json.loads(body)
        if data.get("action") == "sweep" and data.get("rederive") and data.get("after") == "":
            runs.add(data["run"])
    return runs


# -- scheduled publishing (D13) --------------------------------------------------------------

T_SCHEDULE = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # after every seeded article's date


@dataclasses.dataclass
class HandlerClock:
    """The publisher's clock in every invocation (`new_publisher`), moved by the test."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clocked(live: Any, monkeypatch: pytest.MonkeyPatch) -> HandlerClock:
    clock = HandlerClock(T_SCHEDULE)
    build_publisher = live.handler.new_publisher

    def new_publisher(services: Any) -> Any:
        publisher = build_publisher(services)
        publisher.clock = clock
        return publisher

    monkeypatch.setattr(live.handler, "new_publisher", new_publisher)
    return clock


def due_tick(p: Any, at: datetime) -> list[list[str]]:
    """What DueSchedule sends for minute `at` (its scheduled time in the body), then settle."""
    body = json.dumps({"action": "due", "at": at.strftime("%Y-%m-%dT%H:%M:%SZ")})
    p.sqs.send_message(
        QueueUrl=p.queue_url,
        MessageBody=body,
        MessageGroupId="feeds",
        MessageDeduplicationId=uuid.uuid4().hex,
    )
    return pump(p)


def test_a_lost_due_tick_is_healed_by_the_next_one(live: Any, clocked: HandlerClock) -> None:
    """A story scheduled for 06:05 stays out of every feed (the oracle at 06:00 agrees);
    the 06:05 tick is lost, so at 06:06 the feeds lag a full build at 06:06; the 06:06
    tick publishes it and the pipeline converges with the oracle at that time."""
    at = T_SCHEDULE + timedelta(minutes=5)
    live.upload("articles/embargo.json", article_json("embargo", published=at.isoformat()))
    pump(live)
    assert "embargo" not in feed_ids(live, "all")
    assert_converged(live, clocked.now)
    clocked.now = at + timedelta(minutes=1)  # the 06:05 tick never came
    assert_diverged(live, clocked.now)
    due_tick(live, clocked.now)
    assert "embargo" in feed_ids(live, "all")
    assert_converged(live, clocked.now)


def test_a_story_deleted_while_its_tick_was_in_flight_is_never_published(
    live: Any, clocked: HandlerClock
) -> None:
    """Unscheduling whose delete event is lost: the tick reads the inbox as it is, finds
    no file, and removes the story instead of publishing it."""
    at = T_SCHEDULE + timedelta(minutes=5)
    live.upload("articles/pulled.json", article_json("pulled", published=at.isoformat()))
    pump(live)
    live.delete("articles/pulled.json")
    assert len(lose_events(live)) == 1
    clocked.now = at
    due_tick(live, clocked.now)
    assert "pulled" not in feed_ids(live, "all")
    assert_converged(live, clocked.now)
