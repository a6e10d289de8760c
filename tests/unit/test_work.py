"""The work-queue message format (nashra.work): what each producer sends, what the handler
reads, and that template.yaml's producers send what nashra reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_lambda_powertools.utilities.data_classes import S3EventBridgeNotificationEvent

from nashra.work import (
    MESSAGE_GROUP,
    Due,
    KeyChanged,
    Message,
    RebuildAll,
    Render,
    Sweep,
    decode,
    dedup_id,
    encode,
)

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "tests" / "integration" / "events"
INBOX = "nashra-inbox"
ARABIC_KEY = "articles/أخبار الكويت/مقال+1.json"


def event(name: str) -> Any:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !GetAtt, !Sub) read as plain values."""


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def template_resources() -> dict[str, Any]:
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    resources: dict[str, Any] = yaml.load(text, Loader=_CfnLoader)["Resources"]
    return resources


def test_created_event_key_is_raw_ar_s3_1() -> None:
    body = json.dumps(event("eventbridge_object_created.json"), ensure_ascii=False)
    assert decode(body, INBOX) == KeyChanged(ARABIC_KEY, from_event=True)


def test_deleted_event_key() -> None:
    body = json.dumps(event("eventbridge_object_deleted.json"))  # \u-escaped this time
    assert decode(body, INBOX) == KeyChanged(ARABIC_KEY, from_event=True)


def test_powertools_data_class_key_would_corrupt_it_p_key_1() -> None:
    """Why nashra.work reads detail.object.key itself: the data class unquotes `+`."""
    data_class_key = S3EventBridgeNotificationEvent(
        event("eventbridge_object_created.json")
    ).detail.object.key
    assert data_class_key == ARABIC_KEY.replace("+", " ") != ARABIC_KEY


def test_percent_sequences_are_kept() -> None:
    created = event("eventbridge_object_created.json")
    created["detail"]["object"]["key"] = "articles/50%25 off+more.json"
    assert decode(json.dumps(created), INBOX) == KeyChanged(
        "articles/50%25 off+more.json", from_event=True
    )


@pytest.mark.parametrize(
    "message",
    [
        KeyChanged("articles/مقال+1 50%25.json"),
        KeyChanged("articles/a.json"),
        RebuildAll(),
        Render("r1"),
    ],
)
def test_what_nashra_sends_it_reads_back(message: Message) -> None:
    body = encode(message)
    assert body.isascii()  # SQS accepts it whatever the key holds
    assert decode(body, INBOX) == message
    assert encode(message) == body  # same bytes each time: deduplication compares bodies


@pytest.mark.parametrize(
    "body",
    [
        "",
        "not json",
        "[1, 2]",
        '"articles/a.json"',
        '{"action": "rebuild-some"}',
        '{"action": "render", "run": 7}',
        '{"action": "reconcile"}',
        '{"action": "reconcile", "key": 7}',
        '{"action": "reconcile", "key": "reports/articles/a.json"}',  # only article keys
        json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"}),
    ],
)
def test_what_is_not_a_message_is_none(body: str) -> None:
    assert decode(body, INBOX) is None


def test_other_buckets_detail_types_and_shapes_are_none() -> None:
    other_bucket = event("eventbridge_object_created.json")
    other_bucket["detail"]["bucket"]["name"] = "someone-else"
    restore = event("eventbridge_object_created.json")
    restore["detail-type"] = "Object Restore Completed"
    no_key = event("eventbridge_object_created.json")
    del no_key["detail"]["object"]["key"]
    bucket_not_object = event("eventbridge_object_created.json")
    bucket_not_object["detail"]["bucket"] = "nashra-inbox"
    for e in (other_bucket, restore, no_key, bucket_not_object):
        assert decode(json.dumps(e), INBOX) is None


def test_the_scheduler_sends_a_sweep_in_the_publisher_group() -> None:
    """template.yaml's Scheduler payload is a message nashra reads, in its one group: a
    sweep with no run id (the handler names it after the SQS message id)."""
    target = template_resources()["SweepSchedule"]["Properties"]["Target"]
    assert decode(target["Input"], INBOX) == Sweep()
    assert target["SqsParameters"]["MessageGroupId"] == MESSAGE_GROUP


def test_every_schedule_sends_a_message_nashra_reads_in_the_publisher_group() -> None:
    """The hourly sweep and the per-minute due tick (D13), whose scheduled time Scheduler
    writes into the body (`<aws.scheduler.scheduled-time>`)."""
    targets = {
        name: r["Properties"]["Target"]
        for name, r in template_resources().items()
        if r["Type"] == "AWS::Scheduler::Schedule"
    }
    assert set(targets) == {"SweepSchedule", "DueSchedule"}
    tick = targets["DueSchedule"]["Input"].replace(
        "<aws.scheduler.scheduled-time>", "2026-12-01T06:00:00Z"
    )
    assert decode(tick, INBOX) == Due("2026-12-01T06:00:00Z")
    assert {t["SqsParameters"]["MessageGroupId"] for t in targets.values()} == {MESSAGE_GROUP}


@pytest.mark.parametrize("message", [Due(), Due("2026-12-01T06:00:00Z")])
def test_due_ticks_round_trip_and_each_has_its_own_deduplication_id(message: Due) -> None:
    assert decode(encode(message), INBOX) == message
    assert dedup_id(Due("2026-12-01T06:01:00Z")) != dedup_id(Due("2026-12-01T06:00:00Z"))


def test_a_due_tick_with_a_time_that_is_not_text_is_not_nashras() -> None:
    assert decode('{"action": "due", "at": 5}', INBOX) is None


def test_the_inbox_rule_sends_to_the_publisher_group() -> None:
    resources = template_resources()
    rules = [r for r in resources.values() if r["Type"] == "AWS::Events::Rule"]
    targets = [t for r in rules for t in r["Properties"]["Targets"] if t["Id"] == "WorkQueue"]
    assert targets
    assert {t["SqsParameters"]["MessageGroupId"] for t in targets} == {MESSAGE_GROUP}


@pytest.mark.parametrize(
    "message",
    [Sweep(), Sweep("articles/k.json", rederive=True, run="r"), Sweep(run="الأول")],
)
def test_sweeps_round_trip(message: Sweep) -> None:
    assert decode(encode(message), INBOX) == message


def test_each_request_has_its_own_deduplication_id() -> None:
    """SQS drops a repeated deduplication id for five minutes even after the first message
    was deleted: two config changes must not share one (issue: the inbox is the truth)."""
    chunks = [Sweep("articles/a.json", True, "run-1"), Sweep("articles/a.json", True, "run-2")]
    assert dedup_id(chunks[0]) != dedup_id(chunks[1])
    assert dedup_id(chunks[0]) == dedup_id(Sweep("articles/a.json", True, "run-1"))
    assert len(dedup_id(chunks[0])) <= 128  # SQS's limit


@pytest.mark.parametrize(
    ("key", "readings"),
    [
        ("articles/a.json", ("articles/a.json",)),
        ("articles/red flower.json", ("articles/red flower.json",)),
        ("articles/red+flower.json", ("articles/red+flower.json", "articles/red flower.json")),
        ("articles/a%2Bb.json", ("articles/a%2Bb.json", "articles/a+b.json")),
        ("articles/50%.json", ("articles/50%.json",)),
        (
            "articles/%D9%85%D9%82%D8%A7%D9%84.json",
            ("articles/%D9%85%D9%82%D8%A7%D9%84.json", "articles/مقال.json"),
        ),
        ("articles/مقال+1.json", ("articles/مقال+1.json", "articles/مقال 1.json")),
    ],
)
def test_an_event_key_is_read_as_delivered_and_decoded(key: str, readings: tuple[str, ...]) -> None:
    """AWS does not document whether EventBridge URL-encodes `detail.object.key` (S3's
    notifications do): both readings are reconciled; the one naming no object is a miss."""
    assert KeyChanged(key, from_event=True).readings() == readings
    assert KeyChanged(key).readings() == (key,)  # nashra's own messages are exact


def test_two_render_requests_are_two_messages() -> None:
    """A busy batch queues a render request each time none is pending; two within five
    minutes must not be one deduplication id (P-FIFO-4)."""
    assert dedup_id(Render("r1")) != dedup_id(Render("r2"))
