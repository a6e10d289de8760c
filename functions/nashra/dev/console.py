"""What `nashra dev` prints after each batch: one line per uploaded file (article or config)
and the problems of every rejected upload; everything else in one line per kind.

Sweep chunks, render and rebuild requests, keys already published and messages nashra
does not read are not the editor's files: each kind is summed in one line per batch
(`sweep     2 chunks, 0 keys healed`), so starting `nashra dev` on a folder of N articles
prints N article lines, not a line per message. The handler's own JSON logs are not
printed unless `--verbose` (`nashra.dev.stack`).

The handler hands the console every outcome of the batch (`HandledBatch`, nested outcomes
included: an article revived by a config change or an id release gets its own line); the
poller says which records failed and when each was sent. Nothing is read back from S3.

Latency is measured from the message's SentTimestamp (moto sends the EventBridge event
while the PUT is being answered, so it is the upload time to the millisecond) to the
moment the handler returned, i.e. the feeds were written. A nested outcome is timed from
the record that caused it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nashra.core.keys import report_key
from nashra.core.problems import Problem
from nashra.dev.poller import BatchResult, Record

if TYPE_CHECKING:  # importing the handler creates its logger: `load_handler` does, later
    from nashra.handlers.work_queue import HandledBatch

# An editor's file: one line each. Every other status is summed per batch (`_summaries`).
PER_FILE = frozenset(
    {"published", "draft", "scheduled", "deleted", "rejected", "config", "failed", "handled"}
)


@dataclass(frozen=True)
class Change:
    """What happened to one key in one batch."""

    key: str
    status: str  # an Outcome status, or "failed" (retried), or "handled" (a stub handler)
    millis: int
    problems: tuple[Problem, ...] = ()
    healed: int = 0  # a sweep chunk: keys whose events were lost


class Console:
    """Turns handled batches into `Change`s and prints them (unless quiet)."""

    def __init__(
        self, inbox: str, *, say: Callable[[str], None] = print, quiet: bool = False
    ) -> None:
        self.inbox, self.say, self.quiet = inbox, say, quiet
        self.changes: list[Change] = []
        self.batch_errors = 0
        self._handled: HandledBatch | None = None
        self._lock = threading.Lock()

    def on_handled(self, batch: HandledBatch) -> None:
        """The handler's observer: what the batch being processed did."""
        with self._lock:
            self._handled = batch

    def on_batch(self, result: BatchResult) -> None:
        """The poller's callback, once the handler returned: print the batch."""
        with self._lock:
            handled, self._handled = self._handled, None
        changes = _significant(self._changes(result, handled))
        with self._lock:
            self.changes += changes
            if result.error is not None:
                self.batch_errors += 1
        for change in changes:
            if change.status in PER_FILE:
                self._print(change, result.error)
        if not self.quiet:
            for line in _summaries(changes):
                self.say(line)

    def _changes(self, result: BatchResult, handled: HandledBatch | None) -> list[Change]:
        outcomes = {r.message_id: r.outcomes for r in handled.records} if handled else {}
        changes: list[Change] = []
        for record in result.records:
            millis = max(0, result.finished_ms - record.sent_ms)
            if record.message_id in result.failed:
                changes.append(Change(_name(record), "failed", millis))
            elif record.message_id not in outcomes:
                changes.append(Change(_name(record), "handled", millis))
            else:
                changes += [
                    Change(o.key, o.status, millis, o.problems, o.healed)
                    for o in outcomes[record.message_id]
                ]
        return changes

    def _print(self, change: Change, error: str | None) -> None:
        if self.quiet and change.status not in ("rejected", "failed"):
            return
        line = f"{change.status:<9} {change.key}  {change.millis} ms"
        warnings = [p for p in change.problems if p.severity == "warning"]
        if change.status != "rejected" and warnings:
            line += f"  ({len(warnings)} warnings, see {report_key(change.key)})"
        if change.status == "failed":
            line += "  (will be retried; after 5 receives it goes to the DLQ)"
        self.say(line)
        if change.status == "rejected":
            self.say(f"          report: s3://{self.inbox}/{report_key(change.key)}")
            for problem in change.problems:
                self.say(f"          {problem.as_line()}")
        if change.status == "failed" and error:
            self.say("          " + error.strip().splitlines()[-1])

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(c.status for c in self.changes)


def _significant(changes: list[Change]) -> list[Change]:
    """One change per key: a key sent twice in a batch, or reconciled by its event and then
    by a sweep in the same batch, is shown once, by what changed ("published" rather than
    the sweep's "unchanged" after it)."""
    kept: dict[str, Change] = {}
    for change in changes:
        if change.key not in kept or change.status != "unchanged":
            kept.pop(change.key, None)
            kept[change.key] = change
    return list(kept.values())


def _summaries(changes: list[Change]) -> Iterator[str]:
    """One line per kind of change that is not an editor's file, in first-seen order."""
    kinds: dict[str, list[Change]] = {}
    for change in changes:
        if change.status not in PER_FILE:
            kinds.setdefault(change.status, []).append(change)
    for status, group in kinds.items():
        slowest = max(c.millis for c in group)
        yield f"{status:<9} {_summary(status, group)}  {slowest} ms"


def _summary(status: str, group: list[Change]) -> str:
    count = len(group)
    if status == "unchanged":  # a sweep's keys, a repeated upload
        return f"{count} keys (bytes already published)"
    if status == "sweep":
        healed = sum(c.healed for c in group)
        return f"{count} {'chunk' if count == 1 else 'chunks'}, {healed} keys healed"
    if status == "due":  # the ticker's: the stories whose time came have their own lines
        return f"{count} {'tick' if count == 1 else 'ticks'} (scheduled stories whose time came)"
    if status == "ignored":
        noun = "message" if count == 1 else "messages"
        return f"{count} {noun} nashra does not read (--verbose logs them)"
    return f"{count} {'message' if count == 1 else 'messages'}"


def _name(record: Record) -> str:
    return record.key or f"message {record.message_id}"
