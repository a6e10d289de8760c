"""The `nashra dev` console: one line per editor's file, every other kind summed per batch.

Issue 11: `make run` printed 24 lines of `ignored message <uuid>` on start. A batch of
messages nashra does not read, of sweep chunks or of render requests is one line now.
"""

from __future__ import annotations

import threading

from nashra.core.problems import Problem
from nashra.dev.console import Console
from nashra.dev.poller import BatchResult, Poller, Record
from nashra.handlers.work_queue import HandledBatch, HandledRecord
from nashra.publish import FlushReport, Outcome

SENT = 1_000


def run_batch(
    console: Console, outcomes: dict[str, list[Outcome]], failed: frozenset[str] = frozenset()
) -> None:
    """What the stack does per batch: the handler's observer, then the poller's callback."""
    records = tuple(
        Record(mid, outs[0].key if outs and outs[0].key.startswith("articles/") else None, SENT, 1)
        for mid, outs in outcomes.items()
    )
    handled = tuple(
        HandledRecord(mid, tuple(outs)) for mid, outs in outcomes.items() if mid not in failed
    )
    console.on_handled(HandledBatch(handled, FlushReport()))
    console.on_batch(BatchResult(records, failed, None, SENT + 40))


def test_a_start_prints_one_line_per_article_and_sums_the_rest() -> None:
    lines: list[str] = []
    console = Console("inbox", say=lines.append)
    articles = [f"articles/story-{i:02}.json" for i in range(24)]
    outcomes = {f"m{i}": [Outcome(key, "published", key[9:-5])] for i, key in enumerate(articles)}
    # 24 messages nashra does not read, the way the issue saw them
    outcomes |= {f"x{i}": [Outcome(f"(message x{i})", "ignored")] for i in range(24)}
    outcomes |= {
        "s1": [Outcome("(sweep a after '')", "sweep", healed=2)],
        "s2": [Outcome("(sweep b after '')", "sweep", healed=1)],
        "u": [Outcome(f"articles/old-{i}.json", "unchanged") for i in range(19)],
        "r": [Outcome("(render r1)", "render")],
    }
    run_batch(console, outcomes)
    assert [line.split()[1] for line in lines[:24]] == articles
    assert all(line.startswith("published ") for line in lines[:24])
    assert lines[24:] == [
        "ignored   24 messages nashra does not read (--verbose logs them)  40 ms",
        "sweep     2 chunks, 3 keys healed  40 ms",
        "unchanged 19 keys (bytes already published)  40 ms",
        "render    1 message  40 ms",
    ]
    assert not any("message x" in line for line in lines)
    assert console.counts()["ignored"] == 24  # still counted for the final summary


def test_rejections_failures_and_config_keep_their_own_lines() -> None:
    lines: list[str] = []
    console = Console("inbox", say=lines.append)
    problem = Problem("title", "required", "the title is empty", "العنوان فارغ")
    run_batch(
        console,
        {
            "c": [Outcome("config/site.json", "config")],
            "bad": [Outcome("articles/bad.json", "rejected", problems=(problem,))],
            "f": [Outcome("articles/retry.json", "published")],
            "d": [Outcome("articles/gone.json", "deleted")],
        },
        failed=frozenset({"f"}),
    )
    assert lines[0].startswith("config    config/site.json")
    assert lines[1].startswith("rejected  articles/bad.json")
    assert lines[2] == "          report: s3://inbox/reports/articles/bad.json"
    assert "[required]" in lines[3] and "العنوان فارغ" in lines[3]
    assert lines[4].startswith("failed    articles/retry.json") and "will be retried" in lines[4]
    assert lines[5].startswith("deleted   articles/gone.json")
    assert len(lines) == 6


def test_quiet_prints_only_problems() -> None:
    lines: list[str] = []
    console = Console("inbox", say=lines.append, quiet=True)
    run_batch(
        console,
        {
            "a": [Outcome("articles/a.json", "published")],
            "x": [Outcome("(message x)", "ignored")],
            "s": [Outcome("(sweep s after '')", "sweep")],
        },
    )
    assert lines == []


def test_one_message_nashra_does_not_read_is_singular() -> None:
    lines: list[str] = []
    console = Console("inbox", say=lines.append)
    run_batch(console, {"x": [Outcome("(message x)", "ignored")]})
    assert lines == ["ignored   1 message nashra does not read (--verbose logs them)  40 ms"]


class GatedQueue:
    """A work queue whose receive blocks until the test lets one message through."""

    def __init__(self) -> None:
        self.receives = 0
        self.inside = threading.Event()  # a receive has started
        self.release = threading.Semaphore(0)

    def receive_message(self, **_: object) -> dict[str, object]:
        self.receives += 1
        self.inside.set()
        if not self.release.acquire(timeout=10):
            return {}
        message = {"MessageId": f"m{self.receives}", "ReceiptHandle": "r", "Body": "{}"}
        return {"Messages": [message | {"MD5OfBody": ""}]}

    def delete_message_batch(self, **_: object) -> None:
        pass


def test_a_held_poller_finishes_the_batch_in_flight_first() -> None:
    """`held()` returns once the receive in flight was handled and passed to `on_batch`;
    after the block the poller receives again. (That nothing is received inside the block
    is what the e2e console test checks: the queue it fills stays whole.)"""
    queue = GatedQueue()
    batches: list[BatchResult] = []
    poller = Poller(queue, "url", "arn", "us-east-1", lambda e, c: None, on_batch=batches.append)
    poller.start()
    seen: list[int] = []
    try:
        assert queue.inside.wait(10)  # the first receive waits for a message
        queue.inside.clear()

        def hold() -> None:
            with poller.held():
                seen.append(len(batches))

        holder = threading.Thread(target=hold)
        holder.start()
        queue.release.release()  # the message arrives: the batch in flight completes
        holder.join(10)
        assert seen == [1]
        assert queue.inside.wait(10)  # the block ended: the poller receives again
        assert queue.receives == 2
    finally:
        queue.release.release()
        poller.stop()
