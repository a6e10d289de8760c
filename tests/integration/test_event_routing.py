"""moto really routes S3 -> EventBridge -> SQS FIFO, with the rule of template.yaml.

These tests pin what the pump relies on, and the one place where moto differs from AWS.
"""

from __future__ import annotations

import json
from typing import Any

ARABIC_KEY = "articles/أخبار الكويت/مقال+1.json"


def bodies(sqs: Any, url: str) -> list[tuple[dict[str, Any], dict[str, str]]]:
    out = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
        ).get("Messages", [])
        if not got:
            return out
        for m in got:
            out.append((json.loads(m["Body"]), m["Attributes"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_upload_reaches_the_fifo_queue_with_the_raw_key_p_key_1(wiring: Any) -> None:
    s3, sqs, url, _ = wiring
    s3.put_object(Bucket="nashra-inbox", Key=ARABIC_KEY, Body=b"{}")
    [(event, attributes)] = bodies(sqs, url)
    assert event["source"] == "aws.s3"
    assert event["detail-type"] == "Object Created"
    assert event["detail"]["bucket"]["name"] == "nashra-inbox"
    assert event["detail"]["object"]["key"] == ARABIC_KEY  # not URL-encoded, `+` kept
    assert attributes["MessageGroupId"] == "feeds"


def test_rule_filters_prefixes_and_suffixes(wiring: Any) -> None:
    s3, sqs, url, _ = wiring
    for key in (
        "articles/a.json",
        "articles/2026/11/b.json",
        "config/site.json",
        "reports/articles/a.json",  # our own reports never trigger us (P-LOOP-1)
        "articles/notes.txt",
        "articles/photo.jpg",
        "drafts/c.json",
        "articles/Story.JSON",  # misnamed: comes, so that its uploader gets a report
    ):
        s3.put_object(Bucket="nashra-inbox", Key=key, Body=b"{}")
    keys = [event["detail"]["object"]["key"] for event, _ in bodies(sqs, url)]
    assert keys == [
        "articles/a.json",
        "articles/2026/11/b.json",
        "config/site.json",
        "articles/Story.JSON",
    ]


def test_feeds_bucket_sends_nothing(wiring: Any) -> None:
    s3, sqs, url, _ = wiring
    s3.put_object(Bucket="nashra-feeds", Key="articles/x.json", Body=b"{}")
    assert bodies(sqs, url) == []


def test_moto_gap_no_event_for_a_delete_marker(wiring: Any) -> None:
    """AWS sends "Object Deleted" (deletion-type "Delete Marker Created") when an object of
    a versioned bucket is deleted; moto 5.2.5 sends nothing, so the pump injects that event
    itself (Pipeline.delete). If this starts failing, moto caught up: drop the injection."""
    s3, sqs, url, _ = wiring
    s3.put_object(Bucket="nashra-inbox", Key="articles/a.json", Body=b"{}")
    bodies(sqs, url)
    s3.delete_object(Bucket="nashra-inbox", Key="articles/a.json")
    assert bodies(sqs, url) == []
