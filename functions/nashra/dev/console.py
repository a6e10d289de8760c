"""What `nashra dev` prints after each batch: one line per changed key, and the report of
every rejected upload (read back from `reports/<key>` in the inbox, as an editor would).

Latency is measured from the message's SentTimestamp (moto sends the EventBridge event
while the PUT is being answered, so it is the upload time to the millisecond) to the
moment the handler returned, i.e. the feeds were written.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from nashra.dev.poller import BatchResult, Record

REPORTS_PREFIX = "reports/"


@dataclass(frozen=True)
class Change:
    """What happened to one key in one batch."""

    key: str
    status: str  # published | draft | config | deleted | rejected | failed | ignored
    millis: int
    problems: tuple[dict[str, str], ...] = ()


def problem_line(problem: dict[str, str]) -> str:
    """`error title [required]: title is missing / العنوان مفقود`."""
    return (
        f"{problem.get('severity', 'error')} {problem.get('field', '')} "
        f"[{problem.get('rule', '')}]: {problem.get('message_en', '')} / "
        f"{problem.get('message_ar', '')}"
    )


def read_report(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    """The rejection report of inbox key `key`, or None when there is none."""
    try:
        body = s3.get_object(Bucket=bucket, Key=REPORTS_PREFIX + key)["Body"].read()
    except ClientError as error:
        if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
            return None
        raise
    report: dict[str, Any] = json.loads(body)
    return report


class Console:
    """Turns poller batches into `Change`s and prints them (unless quiet)."""

    def __init__(
        self, s3: Any, inbox: str, *, say: Callable[[str], None] = print, quiet: bool = False
    ) -> None:
        self.s3, self.inbox, self.say, self.quiet = s3, inbox, say, quiet
        self.changes: list[Change] = []
        self.batch_errors = 0
        self._lock = threading.Lock()

    def on_batch(self, result: BatchResult) -> None:
        latest: dict[str, Record] = {}
        for record in result.records:
            latest[record.key or f"message {record.message_id}"] = record
        changes = [self._change(name, r, result) for name, r in latest.items()]
        with self._lock:
            self.changes += changes
            if result.error is not None:
                self.batch_errors += 1
        for change in changes:
            self._print(change, result.error)

    def _change(self, name: str, record: Record, result: BatchResult) -> Change:
        millis = max(0, result.finished_ms - record.sent_ms)
        if record.message_id in result.failed:
            return Change(name, "failed", millis)
        if record.key is None:
            return Change(name, "ignored", millis)
        if record.detail_type == "Object Deleted":
            return Change(name, "deleted", millis)
        report = read_report(self.s3, self.inbox, record.key)
        problems = tuple(report.get("problems", ())) if report else ()
        if report is not None and not report.get("accepted", False):
            return Change(name, "rejected", millis, problems)
        status = "config" if record.key.startswith("config/") else "published"
        if status == "published" and _is_draft(self.s3, self.inbox, record.key):
            status = "draft"  # accepted, and kept out of every feed
        return Change(name, status, millis, problems)

    def _print(self, change: Change, error: str | None) -> None:
        if self.quiet and change.status not in ("rejected", "failed"):
            return
        line = f"{change.status:<9} {change.key}  {change.millis} ms"
        warnings = [p for p in change.problems if p.get("severity") == "warning"]
        if change.status != "rejected" and warnings:
            line += f"  ({len(warnings)} warnings, see {REPORTS_PREFIX}{change.key})"
        if change.status == "failed":
            line += "  (will be retried; after 5 receives it goes to the DLQ)"
        self.say(line)
        if change.status == "rejected":
            self.say(f"          report: s3://{self.inbox}/{REPORTS_PREFIX}{change.key}")
            for problem in change.problems:
                self.say(f"          {problem_line(problem)}")
        if change.status == "failed" and error:
            self.say("          " + error.strip().splitlines()[-1])

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(c.status for c in self.changes)


def _is_draft(s3: Any, bucket: str, key: str) -> bool:
    """Whether the accepted article at `key` is a draft (the handler reports no status)."""
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        data = json.loads(body.decode("utf-8-sig"))
    except (ClientError, ValueError):
        return False
    return isinstance(data, dict) and data.get("status") == "draft"
