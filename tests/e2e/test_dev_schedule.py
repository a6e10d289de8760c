"""Scheduled publishing on the local stack (B-20, D13): a story dated a few seconds ahead
is accepted as scheduled, stays out of the served feeds, and appears through the local CDN
shortly after its time with nobody touching it (the dev stack's `DueTicker` stands in
for the per-minute DueSchedule). The wait is real but short: the story is dated `LEAD`
seconds ahead, so the test takes about that long plus the stack's start."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from nashra.cli import main
from nashra.core.arabic_date import format_arabic_date
from nashra.dev.stack import DevStack

from .conftest import http, wait_for

pytestmark = pytest.mark.e2e

LEAD = 5.0  # seconds between the upload and the story's time
PROMISE = 60.0  # "appears within a minute of its time" (content/README.md)


def story(published: datetime) -> bytes:
    body = {
        "id": "embargoed",
        "section": "economy",
        "title": "نتائج الربع الثالث لشركات الاتصالات تحت الحظر حتى موعدها",
        "published": published.isoformat(),
        "body": "<p>أعلنت الشركات نتائجها في الموعد المحدد.</p>",
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def served(stack: DevStack) -> bytes:
    return http(f"{stack.cdn_url}/all/rss.xml").body


def report(stack: DevStack, key: str) -> dict[str, Any]:
    body = stack.s3.get_object(Bucket=stack.inbox_bucket, Key=f"reports/{key}")["Body"].read()
    return dict(json.loads(body))


def test_a_scheduled_story_appears_soon_after_its_time_with_nobody_touching_it(
    stack_factory: Any, content_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack: DevStack = stack_factory(content_copy)
    stack.upload_content()
    assert stack.wait_drained(30), "the content did not publish"
    due = (datetime.now(UTC) + timedelta(seconds=LEAD + 1)).replace(microsecond=0)
    stack.upload("articles/embargoed.json", story(due))
    assert stack.wait_drained(20)
    assert datetime.now(UTC) < due, f"publishing the upload took over {LEAD} s: raise LEAD"
    assert report(stack, "articles/embargoed.json")["scheduled"] == due.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert b"embargoed" not in served(stack)
    # `nashra status` lists it with its time in the site's zone (Asia/Kuwait, UTC+3).
    assert main(["status", "--bucket", stack.inbox_bucket, "--endpoint", stack.endpoint]) == 0
    local = due.astimezone(ZoneInfo("Asia/Kuwait"))
    line = f"articles/embargoed.json: scheduled for {format_arabic_date(local, local.tzinfo)}"
    out = capsys.readouterr().out
    assert f"{line} ({local.isoformat()})" in out and "1 scheduled" in out
    assert b"embargoed" not in served(stack) and datetime.now(UTC) < due, "raise LEAD"
    assert b"embargoed" not in http(f"{stack.cdn_url}/economy/feed.json").body

    wait_for(lambda: b"embargoed" in served(stack), timeout=LEAD + 20, what="the story")
    delay = time.time() - due.timestamp()
    assert 0 <= delay < PROMISE
    assert delay < 5, f"{delay:.1f} s: the ticker looks every second"
    stack.wait_drained(10)
    assert b"embargoed" in http(f"{stack.cdn_url}/economy/feed.json").body
    with pytest.raises(stack.s3.exceptions.NoSuchKey):  # nothing left to tell the editor
        report(stack, "articles/embargoed.json")
    assert stack.ticker is not None and len(stack.ticker.sent) == 1  # one tick, not one a second
