"""The fault schedules' harness: a schedule of editors' work on the inbox, each change's S3
event meeting a fate, played through the pipeline with the SQS FIFO fake as its work queue,
and the oracle it must meet once settled. Shared by tests/integration/test_fault_schedules.py
and test_archive_schedules.py (test modules are not importable here: importlib mode).

The work queue is the SQS FIFO fake (tests/fakes/sqs_fifo.py): moto keeps no five-minute
deduplication window, and nashra's own messages (sweep chunks, render requests, re-deriving
sweeps) depend on it. S3 events come from moto's EventBridge rule and are forwarded to the
fake according to their fate; a delete's event is made here, as moto sends none for a
versioned bucket's delete marker.
"""

from __future__ import annotations

import dataclasses
import json
import random
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fakes.sqs_fifo import Clock, FakeSqsFifo
from nashra.adapters.sqs import SqsRequeue
from oracle import (
    differences,
    expected_output,
    published_feeds,
    published_reports,
    unseen_etags,
)

INBOX, TABLE = "nashra-inbox", "nashra-index"
FEEDS = "nashra-feeds"
CONTENT = Path(__file__).resolve().parents[1] / "content"
# What may happen to an event between S3 and the work queue (`Stack.meet`), and how often
# by default; a suite may weigh them otherwise.
FATES = ("deliver", "lose", "duplicate", "delay", "dead-letter")
FATE_WEIGHTS = (50, 12, 12, 14, 12)
T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # the publisher's clock when a schedule starts


# -- a schedule ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Put:
    """An editor writes `key` (article or config); `body` is JSON, or raw text that is not."""

    key: str
    body: Any
    fate: str = "deliver"


@dataclasses.dataclass(frozen=True)
class Delete:
    key: str
    fate: str = "deliver"


@dataclasses.dataclass(frozen=True)
class Tick:
    """The clock moves `minutes` on; the Scheduler's due tick for then is sent or lost."""

    minutes: int
    fate: str = "deliver"


@dataclasses.dataclass(frozen=True)
class Pump:
    """The events that are due reach the work queue (`shuffle`d); the queue is drained in
    batches of `batch`."""

    batch: int = 10
    shuffle: bool = False


Op = Put | Delete | Tick | Pump


@dataclasses.dataclass(frozen=True)
class Ending:
    """How a schedule settles: held-back events are delivered, the sweep (chunks of
    `chunk` keys) runs, and the dead-lettered events are redriven (`redrive`: before the
    sweep, after it, or never)."""

    chunk: int = 3
    redrive: str = "after"


# -- running one -----------------------------------------------------------------------------


@dataclasses.dataclass
class HandlerClock:
    """The publisher's clock in every invocation, moved by the schedule."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


@dataclasses.dataclass
class Stack:
    """moto's pipeline with the fake as its work queue, and the schedule's state: events
    held back, dead-lettered, and the clocks."""

    pipeline: Any
    fake: FakeSqsFifo
    queue_clock: Clock
    url: str
    clock: HandlerClock
    rng: random.Random
    s3_event: Any  # the `s3_event` fixture: an EventBridge S3 event for a key
    held: list[str] = dataclasses.field(default_factory=list)  # delivered at the next pump
    later: list[str] = dataclasses.field(default_factory=list)  # delivered some pump after
    dead: list[str] = dataclasses.field(default_factory=list)
    log: list[str] = dataclasses.field(default_factory=list)

    @property
    def work(self) -> Any:
        return dataclasses.replace(self.pipeline, sqs=self.fake, queue_url=self.url)

    def advance(self, minutes: float) -> None:
        self.clock.now += timedelta(minutes=minutes)
        self.queue_clock.advance(minutes * 60)

    def events(self) -> list[str]:
        """The S3 events moto's rule queued since the last call."""
        p, bodies = self.pipeline, []
        while messages := p.receive():
            bodies += [m["Body"] for m in messages]
            for m in messages:
                p.sqs.delete_message(QueueUrl=p.queue_url, ReceiptHandle=m["ReceiptHandle"])
        return bodies

    def meet(self, bodies: list[str], fate: str) -> None:
        for body in bodies:
            if fate == "deliver":
                self.held.append(body)
            elif fate == "duplicate":  # SQS delivers at least once
                self.held += [body, body]
            elif fate == "delay":
                self.later.append(body)
            elif fate == "dead-letter":
                self.dead.append(body)

    def send(self, bodies: Sequence[str]) -> None:
        for body in bodies:  # each its own id: a redelivery, not a repeat SQS drops
            self.fake.send_message(
                QueueUrl=self.url,
                MessageBody=body,
                MessageGroupId="feeds",
                MessageDeduplicationId=uuid.uuid4().hex,
            )

    def pump(self, batch: int = 10, shuffle: bool = False) -> None:
        ready, self.held = self.held, []
        if self.later and self.rng.random() < 0.5:  # a held-back event finally arrives
            ready.append(self.later.pop(0))
        if shuffle:
            self.rng.shuffle(ready)
        self.send(ready)
        self.drain(batch)

    def drain(self, batch: int = 10) -> None:
        """Invoke the handler on batches of `batch` until the queue is empty; a failed
        record is visible again at once."""
        work = self.work
        for _ in range(300):
            messages = work.receive(batch)
            if not messages:
                return
            self.advance(1 / 60)  # a second per batch
            try:
                failed = work.invoke(messages)
            except Exception:
                failed = {m["MessageId"] for m in messages}
            for m in messages:
                if m["MessageId"] in failed:
                    self.fake.change_message_visibility(
                        QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
                    )
                else:
                    self.fake.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
        raise AssertionError("the work queue did not drain")

    def apply(self, op: Op) -> None:
        p = self.pipeline
        if isinstance(op, Put):
            body = op.body if isinstance(op.body, str) else json.dumps(op.body, ensure_ascii=False)
            p.s3.put_object(Bucket=INBOX, Key=op.key, Body=body.encode())
            self.meet(self.events(), op.fate)
        elif isinstance(op, Delete):
            p.s3.delete_object(Bucket=INBOX, Key=op.key)
            self.events()  # none from moto for a delete marker (AWS sends one)
            self.meet([json.dumps(self.s3_event("Object Deleted", op.key))], op.fate)
        elif isinstance(op, Tick):
            self.advance(op.minutes)
            if op.fate == "deliver":
                at = self.clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")
                self.held.append(json.dumps({"action": "due", "at": at}))
        else:
            self.pump(op.batch, op.shuffle)

    def settle(self, ending: Ending) -> None:
        """Every held-back event arrives, then the sweep and the redrive as `ending` says."""
        self.held += self.later
        self.later = []
        self.pump(shuffle=True)
        if ending.redrive == "before":
            self.held, self.dead = self.dead, []
            self.pump()
        self.held.append(json.dumps({"action": "sweep"}))
        self.pump()
        if ending.redrive == "after":
            self.held, self.dead = self.dead, []
            self.pump()


@pytest.fixture(name="stack")
def stack_fixture(pipeline: Any, s3_event: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """The deployed pipeline (WORK_QUEUE set) whose work queue is the SQS FIFO fake, its
    publisher on the schedule's clock."""
    queue_clock = Clock()
    fake = FakeSqsFifo(queue_clock)
    url = fake.create_queue(
        QueueName="nashra-work.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    monkeypatch.setenv("WORK_QUEUE", url)
    monkeypatch.setattr(pipeline.handler, "SqsRequeue", lambda _c, queue: SqsRequeue(fake, queue))
    pipeline.handler.services.cache_clear()
    yield Stack(pipeline, fake, queue_clock, url, HandlerClock(), random.Random(0), s3_event)


def run(stack: Stack, ops: Sequence[Any], ending: Ending, monkeypatch: Any) -> None:
    """Play `ops` (each an `Op`, or a step of its own that a `Stack` subclass's `apply`
    takes), settle as `ending` says, and check the oracle."""
    build_publisher = stack.pipeline.handler.new_publisher

    def new_publisher(services: Any) -> Any:
        publisher = build_publisher(services)
        publisher.clock = stack.clock
        publisher.sweep_chunk = ending.chunk
        return publisher

    monkeypatch.setattr(stack.pipeline.handler, "new_publisher", new_publisher)
    for op in ops:
        stack.apply(op)
    stack.settle(ending)
    assert_converged(stack.pipeline, stack.clock.now)


def run_seed(
    stack: Stack,
    seed: int,
    draw: Callable[[random.Random], tuple[Sequence[Any], Ending]],
    monkeypatch: Any,
) -> None:
    """`run` the schedule `draw` makes from `seed` (the stack's own choices from the next
    seed); when the oracle fails, print the schedule, which a regression test can replay."""
    rng = random.Random(seed)
    stack.rng = random.Random(seed + 1)
    ops, ending = draw(rng)
    try:
        run(stack, ops, ending, monkeypatch)
    except AssertionError:
        print(f"seed {seed}:\n{schedule_text(ops, ending)}")
        raise


def assert_converged(p: Any, now: datetime) -> None:
    """Feeds and reports are what a full build of the inbox gives at `now`, and the index
    has seen exactly the inbox's current ETags."""
    expected, reports = expected_output(p.s3, INBOX, now)
    published = published_feeds(p.s3, FEEDS)
    assert published == expected, differences(published, expected)
    got = published_reports(p.s3, INBOX)
    assert got == reports, {  # each differing report: (published, expected)
        key: (got.get(key), reports.get(key))
        for key in got.keys() | reports.keys()
        if got.get(key) != reports.get(key)
    }
    assert unseen_etags(p.s3, p.dynamodb, INBOX, TABLE) == {}


def schedule_text(ops: Sequence[Any], ending: Ending) -> str:
    return "\n".join([*(f"    {op!r}," for op in ops), f"ending = {ending!r}"])
