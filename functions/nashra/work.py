"""The work-queue message format: every message the publisher consumes, in one place.

WorkQueue.fifo carries six kinds of body:

| body                                           | producer                        | message      |
|------------------------------------------------|---------------------------------|--------------|
| EventBridge S3 "Object Created"/"Deleted"      | the inbox, through the rule     | `KeyChanged` |
| `{"action": "reconcile", "key": K}`            | an operator                     | `KeyChanged` |
| `{"action": "sweep", "after": K, "run": R, …}` | the hourly Scheduler, a config  | `Sweep`      |
|                                                | change, `nashra sweep`, the     |              |
|                                                | sweep itself (its next chunk)   |              |
| `{"action": "rebuild-all"}`                    | an operator                     | `RebuildAll` |
| `{"action": "render", "run": R}`               | a busy batch that put off its   | `Render`     |
|                                                | feeds (`nashra.publish`)        |              |
| `{"action": "due", "at": T}`                   | the Scheduler every minute,     | `Due`        |
|                                                | `nashra dev`'s timer            |              |

All of them go to the one message group `MESSAGE_GROUP`, so at most one batch is in flight
(D2). `decode` reads a body into a message, `encode` writes the bodies nashra itself sends,
each with its own deduplication id (`dedup_id`: SQS drops a repeated id for five minutes,
even after the first message was deleted); template.yaml's Scheduler payload is checked
against `decode` by a test.

The key of an S3 event is taken raw from `detail.object.key` (AR-S3-1, P-KEY-1). AWS does
not document whether EventBridge URL-encodes it, so a key that reads differently once
decoded is reconciled under both readings (`KeyChanged.readings`): reconciling reads the
inbox's current state, so the reading that names no object is a harmless miss.

>>> decode(encode(KeyChanged("articles/مقال+1.json")), "inbox")
KeyChanged(key='articles/مقال+1.json', from_event=False)
>>> decode('{"action": "rebuild-all"}', "inbox")
RebuildAll()
>>> decode('{"action": "render", "run": "r1"}', "inbox")
Render(run='r1')
>>> decode('{"action": "sweep"}', "inbox")
Sweep(after='', rederive=False, run='')
>>> decode('{"action":"due","at":"2026-11-24T07:30:00Z"}', "inbox")
Due(at='2026-11-24T07:30:00Z')
>>> decode("not json", "inbox") is None
True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from nashra.core.keys import ARTICLES_PREFIX

MESSAGE_GROUP = "feeds"  # the one group of template.yaml: one batch in flight (D2)
RECONCILE_ACTION = "reconcile"
REBUILD_ALL_ACTION = "rebuild-all"
RENDER_ACTION = "render"
SWEEP_ACTION = "sweep"
DUE_ACTION = "due"
S3_SOURCE = "aws.s3"
S3_DETAIL_TYPES = frozenset({"Object Created", "Object Deleted"})


@dataclass(frozen=True)
class KeyChanged:
    """Inbox object `key` was written or deleted: reconcile it with its current state.

    `from_event` marks a key delivered by an S3 event, whose encoding AWS leaves open.
    """

    key: str
    from_event: bool = False

    def readings(self) -> tuple[str, ...]:
        """The keys to reconcile: the key as delivered, and its URL-decoded reading when
        it came from an event and differs.

        >>> KeyChanged("articles/a+b%2B.json", from_event=True).readings()
        ('articles/a+b%2B.json', 'articles/a b+.json')
        """
        decoded = unquote_plus(self.key) if self.from_event else self.key
        return (self.key,) if decoded == self.key else (self.key, decoded)


@dataclass(frozen=True)
class RebuildAll:
    """Render every feed and site file again from the index."""


@dataclass(frozen=True)
class Sweep:
    """One chunk of a sweep: compare the inbox keys after `after` (one listing page) with
    what the index has seen, reconcile the differences, then queue the next chunk.

    `rederive` reconciles every key of the chunk whatever its ETag (after a config change:
    URLs, slugs and section checks are derived again). `run` names the sweep; it makes
    every chunk's deduplication id unique. A sweep that reaches the end renders every feed.
    """

    after: str = ""
    rederive: bool = False
    run: str = ""


@dataclass(frozen=True)
class Render:
    """Render the feeds that busy batches put off (the index keeps which). `run` names the
    request, so a new one is never dropped as a repeat of the last within five minutes."""

    run: str = ""


@dataclass(frozen=True)
class Due:
    """Publish the scheduled articles whose time has come (`Index.due`, D13). `at` names
    the tick: the Scheduler's `<aws.scheduler.scheduled-time>`, a different body every
    minute, so SQS's content-based deduplication never drops a tick as a repeat of one
    within five minutes (P-FIFO-4), while the Scheduler's own retries of one tick fold."""

    at: str = ""


Message = KeyChanged | RebuildAll | Sweep | Render | Due


def encode(message: Message) -> str:
    """The body nashra sends for `message`: compact ASCII JSON, the same bytes every time."""
    body: dict[str, Any]
    if isinstance(message, RebuildAll):
        body = {"action": REBUILD_ALL_ACTION}
    elif isinstance(message, Render):
        body = {"action": RENDER_ACTION, "run": message.run}
    elif isinstance(message, Due):
        body = {"action": DUE_ACTION, "at": message.at}
    elif isinstance(message, Sweep):
        body = {"action": SWEEP_ACTION, "after": message.after, "run": message.run}
        if message.rederive:
            body["rederive"] = True
    else:
        body = {"action": RECONCILE_ACTION, "key": message.key}
    return json.dumps(body, separators=(",", ":"))


def dedup_id(message: Message) -> str:
    """The deduplication id nashra sends `message` with: a digest of its body, which
    names the request that caused it (a sweep's run and chunk), so a new request is never
    dropped as a repeat of an old one within SQS's five-minute window."""
    return hashlib.sha256(encode(message).encode("ascii")).hexdigest()


def decode(body: str, inbox_bucket: str) -> Message | None:
    """The message a queue body carries, or None when it is none of nashra's."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    action = data.get("action")
    if action in _ACTIONS:
        return _ACTIONS[action](data)
    key = s3_event_key(data, inbox_bucket)
    return None if key is None else KeyChanged(key, from_event=True)


def _render(data: dict[str, Any]) -> Render | None:
    run = data.get("run", "")
    return Render(run) if isinstance(run, str) else None


def _due(data: dict[str, Any]) -> Due | None:
    at = data.get("at", "")
    return Due(at) if isinstance(at, str) else None


def _reconcile(data: dict[str, Any]) -> KeyChanged | None:
    key = data.get("key")
    ok = isinstance(key, str) and key.startswith(ARTICLES_PREFIX)
    return KeyChanged(str(key)) if ok else None


def _sweep(data: dict[str, Any]) -> Sweep | None:
    after, run, rederive = data.get("after", ""), data.get("run", ""), data.get("rederive", False)
    if not (isinstance(after, str) and isinstance(run, str) and isinstance(rederive, bool)):
        return None
    return Sweep(after, rederive, run)


def s3_event_key(data: dict[str, Any], inbox_bucket: str) -> str | None:
    """The raw key of an EventBridge S3 event from the inbox, None for any other event."""
    if data.get("source") != S3_SOURCE or data.get("detail-type") not in S3_DETAIL_TYPES:
        return None
    detail = data.get("detail")
    if not isinstance(detail, dict):
        return None
    bucket = detail.get("bucket")
    if not isinstance(bucket, dict) or bucket.get("name") != inbox_bucket:
        return None
    obj = detail.get("object")
    key = obj.get("key") if isinstance(obj, dict) else None
    return key if isinstance(key, str) and key else None


_ACTIONS: dict[object, Callable[[dict[str, Any]], Message | None]] = {
    REBUILD_ALL_ACTION: lambda _: RebuildAll(),
    SWEEP_ACTION: _sweep,
    RENDER_ACTION: _render,
    DUE_ACTION: _due,
    RECONCILE_ACTION: _reconcile,
}
