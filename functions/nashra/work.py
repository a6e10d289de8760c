"""The work-queue message format: every message the publisher consumes, in one place.

WorkQueue.fifo carries three kinds of body, from three producers:

| body                                        | producer                       | message        |
|---------------------------------------------|--------------------------------|----------------|
| EventBridge S3 "Object Created"/"Deleted"   | the inbox, through the rule    | `KeyChanged`   |
| `{"action": "reconcile", "key": K}`         | the publisher (`SqsRequeue`)   | `KeyChanged`   |
| `{"action": "rebuild-all"}`                 | the hourly Scheduler           | `RebuildAll`   |

All of them go to the one message group `MESSAGE_GROUP`, so at most one batch is in flight
(D2). `decode` reads a body into a message, `encode` writes the bodies nashra itself sends;
template.yaml's Scheduler payload is checked against `decode` by a test.

EventBridge does not URL-encode S3 keys, so the key of an S3 event is taken raw from
`detail.object.key` and used byte-exact (AR-S3-1, P-KEY-1).

>>> decode(encode(KeyChanged("articles/مقال+1.json")), "inbox")
KeyChanged(key='articles/مقال+1.json')
>>> decode('{"action": "rebuild-all"}', "inbox")
RebuildAll()
>>> decode("not json", "inbox") is None
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from nashra.core.keys import ARTICLES_PREFIX

MESSAGE_GROUP = "feeds"  # the one group of template.yaml: one batch in flight (D2)
RECONCILE_ACTION = "reconcile"
REBUILD_ALL_ACTION = "rebuild-all"
S3_SOURCE = "aws.s3"
S3_DETAIL_TYPES = frozenset({"Object Created", "Object Deleted"})


@dataclass(frozen=True)
class KeyChanged:
    """Inbox object `key` was written or deleted: reconcile it with its current state."""

    key: str


@dataclass(frozen=True)
class RebuildAll:
    """Render every feed and site file again from the index."""


Message = KeyChanged | RebuildAll


def encode(message: Message) -> str:
    """The body nashra sends for `message`: compact ASCII JSON, the same bytes every time
    (content-based deduplication compares bodies)."""
    if isinstance(message, RebuildAll):
        body: dict[str, str] = {"action": REBUILD_ALL_ACTION}
    else:
        body = {"action": RECONCILE_ACTION, "key": message.key}
    return json.dumps(body, separators=(",", ":"))


def decode(body: str, inbox_bucket: str) -> Message | None:
    """The message a queue body carries, or None when it is none of nashra's."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    action = data.get("action")
    if action == REBUILD_ALL_ACTION:
        return RebuildAll()
    if action == RECONCILE_ACTION:
        key = data.get("key")
        if isinstance(key, str) and key.startswith(ARTICLES_PREFIX):
            return KeyChanged(key)
        return None
    key = s3_event_key(data, inbox_bucket)
    return None if key is None else KeyChanged(key)


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
