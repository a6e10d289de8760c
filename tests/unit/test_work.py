"""The work-queue message format (nashra.work): what each producer sends, what the handler
reads, and that template.yaml's producers send what nashra reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_lambda_powertools.utilities.data_classes import S3EventBridgeNotificationEvent

from nashra.work import MESSAGE_GROUP, KeyChanged, RebuildAll, decode, encode

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
    assert decode(body, INBOX) == KeyChanged(ARABIC_KEY)


def test_deleted_event_key() -> None:
    body = json.dumps(event("eventbridge_object_deleted.json"))  # \u-escaped this time
    assert decode(body, INBOX) == KeyChanged(ARABIC_KEY)


def test_powertools_data_class_key_would_corrupt_it_p_key_1() -> None:
    """Why nashra.work reads detail.object.key itself: the data class unquotes `+`."""
    data_class_key = S3EventBridgeNotificationEvent(
        event("eventbridge_object_created.json")
    ).detail.object.key
    assert data_class_key == ARABIC_KEY.replace("+", " ") != ARABIC_KEY


def test_percent_sequences_are_kept() -> None:
    created = event("eventbridge_object_created.json")
    created["detail"]["object"]["key"] = "articles/50%25 off+more.json"
    assert decode(json.dumps(created), INBOX) == KeyChanged("articles/50%25 off+more.json")


@pytest.mark.parametrize(
    "message",
    [KeyChanged("articles/مقال+1 50%25.json"), KeyChanged("articles/a.json"), RebuildAll()],
)
def test_what_nashra_sends_it_reads_back(message: KeyChanged | RebuildAll) -> None:
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


def test_the_scheduler_sends_a_rebuild_all_in_the_publisher_group() -> None:
    """template.yaml's Scheduler payload is a message nashra reads, in its one group."""
    target = template_resources()["RebuildSchedule"]["Properties"]["Target"]
    assert decode(target["Input"], INBOX) == RebuildAll()
    assert target["SqsParameters"]["MessageGroupId"] == MESSAGE_GROUP


def test_the_inbox_rule_sends_to_the_publisher_group() -> None:
    resources = template_resources()
    rules = [r for r in resources.values() if r["Type"] == "AWS::Events::Rule"]
    targets = [t for r in rules for t in r["Properties"]["Targets"] if t["Id"] == "WorkQueue"]
    assert targets
    assert {t["SqsParameters"]["MessageGroupId"] for t in targets} == {MESSAGE_GROUP}
