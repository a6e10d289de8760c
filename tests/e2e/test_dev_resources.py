"""What `nashra dev` creates on moto is what template.yaml defines.

The template is read here with cfn-lint's decoder, independently of the dev stack's own
loader, and compared with what the moto server reports back.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

from nashra.dev.resources import load_template, plan_from_template
from nashra.dev.stack import DevStack

from .conftest import ROOT, copy_content, idle_handler, start_stack

pytestmark = pytest.mark.e2e

TEMPLATE = ROOT / "template.yaml"


def _plain(node: Any) -> Any:
    """cfn-lint's node classes -> plain dicts and lists."""
    return json.loads(json.dumps(node))


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    decoded, matches = decode(str(TEMPLATE))
    assert not matches, matches
    plain: dict[str, Any] = _plain(decoded)
    return plain


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {
        name: r.get("Properties", {})
        for name, r in template["Resources"].items()
        if r["Type"] == kind
    }


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    content = copy_content(tmp_path_factory.mktemp("resources") / "content", articles=0)
    stack = start_stack(content, handler=idle_handler)
    yield stack
    stack.stop()


def test_event_rule_pattern_and_target_match_the_template(
    stack: DevStack, template: dict[str, Any]
) -> None:
    rules = {
        n: p for n, p in _resources(template, "AWS::Events::Rule").items() if "EventPattern" in p
    }
    assert rules, "the template has no EventBridge rule"
    events = stack.client("events")
    for logical_id, props in rules.items():
        expected = props["EventPattern"]
        # The one reference in the pattern: the inbox bucket's name.
        assert expected["detail"]["bucket"]["name"] == [{"Ref": "InboxBucket"}]
        expected["detail"]["bucket"]["name"] = [stack.inbox_bucket]
        name = stack.plan.rules[logical_id].name
        assert json.loads(events.describe_rule(Name=name)["EventPattern"]) == expected
        targets = events.list_targets_by_rule(Rule=name)["Targets"]
        work = stack.plan.queue_arn(stack.plan.queues["WorkQueue"])
        (target,) = [t for t in targets if t["Arn"] == work]
        (declared,) = [
            t for t in props["Targets"] if t["Arn"] == {"Fn::GetAtt": ["WorkQueue", "Arn"]}
        ]
        assert target["SqsParameters"] == declared["SqsParameters"]


def _expected_queue_attributes(
    props: dict[str, Any], arn_of: Callable[[str], str]
) -> dict[str, Any]:
    expected: dict[str, Any] = {}
    for name, value in props.items():
        if name in ("QueueName", "Tags"):
            continue
        if name == "RedrivePolicy":
            target = value["deadLetterTargetArn"]["Fn::GetAtt"][0]
            expected[name] = {**value, "deadLetterTargetArn": arn_of(target)}
        else:
            expected[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return expected


def test_queues_have_the_template_attributes(stack: DevStack, template: dict[str, Any]) -> None:
    queues = _resources(template, "AWS::SQS::Queue")
    assert {"WorkQueue", "WorkDLQ"} <= set(queues)
    sqs = stack.client("sqs")

    def arn_of(logical_id: str) -> str:
        return stack.plan.queue_arn(stack.plan.queues[logical_id])

    for logical_id, props in queues.items():
        actual = sqs.get_queue_attributes(
            QueueUrl=stack.queue_urls[logical_id], AttributeNames=["All"]
        )["Attributes"]
        expected = _expected_queue_attributes(props, arn_of)
        got = {k: actual.get(k) for k in expected}
        if "RedrivePolicy" in got:
            got["RedrivePolicy"] = json.loads(str(got["RedrivePolicy"]))
        assert got == expected, logical_id
    work = queues["WorkQueue"]
    assert work["FifoQueue"] is True and work["ContentBasedDeduplication"] is True
    assert work["RedrivePolicy"]["maxReceiveCount"] == 5


def test_table_keys_match_the_template(stack: DevStack, template: dict[str, Any]) -> None:
    props = _resources(template, "AWS::DynamoDB::Table")["IndexTable"]
    table = stack.client("dynamodb").describe_table(TableName=stack.plan.tables["IndexTable"].name)[
        "Table"
    ]
    assert table["KeySchema"] == props["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(
        props["AttributeDefinitions"], key=str
    )


def test_buckets_and_handler_environment_come_from_the_template(
    stack: DevStack, template: dict[str, Any]
) -> None:
    buckets = {b["Name"] for b in stack.client("s3").list_buckets()["Buckets"]}
    assert set(_resources(template, "AWS::S3::Bucket")) == set(stack.plan.buckets)
    assert set(stack.plan.buckets.values()) == buckets
    function = _resources(template, "AWS::Serverless::Function")["PublisherFunction"]
    declared = function["Environment"]["Variables"]
    assert declared["INBOX_BUCKET"] == {"Ref": "InboxBucket"}
    assert os.environ["INBOX_BUCKET"] == stack.inbox_bucket
    assert os.environ["FEEDS_BUCKET"] == stack.feeds_bucket
    assert os.environ["INDEX_TABLE"] == stack.plan.tables["IndexTable"].name
    assert os.environ["AWS_ENDPOINT_URL"] == stack.endpoint
    assert stack.endpoint.startswith("http://127.0.0.1:")


def test_environment_is_restored_when_the_stack_stops(
    content_copy: Path, stack_factory: Callable[..., DevStack]
) -> None:
    before = os.environ.get("AWS_ENDPOINT_URL")
    stack = stack_factory(content_copy, handler=idle_handler)
    assert os.environ["AWS_ENDPOINT_URL"] == stack.endpoint
    stack.stop()
    assert os.environ.get("AWS_ENDPOINT_URL") == before


def test_the_loader_reads_cloudformation_short_tags(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n"
        "  Q:\n    Type: AWS::SQS::Queue\n"
        "    Properties: {QueueName: !Sub '${AWS::StackName}-q', VisibilityTimeout: 30}\n"
        "  B:\n    Type: AWS::S3::Bucket\n"
        "    Properties: {BucketName: !Join ['-', [!Ref AWS::Region, b]]}\n",
        encoding="utf-8",
    )
    plan = plan_from_template(load_template(path), region="eu-west-1")
    assert plan.queues["Q"].name == "nashra-dev-q"
    assert plan.queues["Q"].attributes == {"VisibilityTimeout": "30"}
    assert plan.buckets["B"] == "eu-west-1-b"
