"""The poller behaves like Lambda's SQS event source mapping with ReportBatchItemFailures."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from nashra.dev.poller import BatchResult
from nashra.dev.stack import DevStack

from .conftest import copy_content, start_stack, wait_for

pytestmark = pytest.mark.e2e


class StubHandler:
    """Records every event; fails the records whose key contains 'poison'."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.crash = False
        self.lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        assert context.get_remaining_time_in_millis() > 0
        assert context.function_name and context.aws_request_id
        with self.lock:
            self.events.append(event)
        if self.crash:
            raise RuntimeError("handler crashed")
        failures = [
            {"itemIdentifier": r["messageId"]}
            for r in event["Records"]
            if "poison" in json.loads(r["body"])["detail"]["object"]["key"]
        ]
        return {"batchItemFailures": failures}

    def seen_keys(self) -> list[str]:
        with self.lock:
            return [
                json.loads(r["body"])["detail"]["object"]["key"]
                for e in self.events
                for r in e["Records"]
            ]


@pytest.fixture
def handler() -> StubHandler:
    return StubHandler()


@pytest.fixture
def batches() -> list[BatchResult]:
    return []


@pytest.fixture
def stack(
    tmp_path_factory: pytest.TempPathFactory, handler: StubHandler, batches: list[BatchResult]
) -> Iterator[DevStack]:
    content = copy_content(tmp_path_factory.mktemp("poller") / "content", articles=0)
    stack = start_stack(content, visibility_timeout=1, handler=handler, on_batch=batches.append)
    yield stack
    stack.stop()


def test_records_have_the_lambda_sqs_event_shape(stack: DevStack, handler: StubHandler) -> None:
    stack.upload("articles/one.json", b"{}")
    wait_for(lambda: bool(handler.events), what="a batch")
    (record,) = handler.events[0]["Records"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":nashra-dev-work.fifo")
    assert record["awsRegion"] == "us-east-1"
    assert record["messageId"] and record["receiptHandle"] and record["md5OfBody"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["attributes"]["MessageGroupId"] == "feeds"
    assert "SentTimestamp" in record["attributes"]
    assert record["messageAttributes"] == {}
    body = json.loads(record["body"])
    assert body["detail-type"] == "Object Created"
    assert body["detail"]["bucket"]["name"] == stack.inbox_bucket
    assert stack.wait_drained(5)


def test_only_the_rule_keys_reach_the_queue(stack: DevStack, handler: StubHandler) -> None:
    stack.upload("reports/articles/x.json", b"{}")
    stack.upload("articles/notes.txt", b"x")
    stack.upload("config/site.json", b"{}")
    wait_for(lambda: "config/site.json" in handler.seen_keys(), what="the config event")
    assert stack.wait_drained(5)
    assert handler.seen_keys() == ["config/site.json"]


def test_failed_records_are_retried_then_dead_lettered(
    stack: DevStack, handler: StubHandler, batches: list[BatchResult]
) -> None:
    stack.upload("articles/poison.json", b"{}")
    stack.upload("articles/good.json", b"{}")
    wait_for(lambda: stack.queue_depth("WorkDLQ") == 1, timeout=30, what="the DLQ")
    assert stack.wait_drained(10)
    assert handler.seen_keys().count("articles/poison.json") == 5  # maxReceiveCount
    assert "articles/good.json" in handler.seen_keys()
    counts = [
        r.receive_count for b in batches for r in b.records if r.key == "articles/poison.json"
    ]
    assert counts == [1, 2, 3, 4, 5]


def test_a_crashing_handler_returns_the_whole_batch(
    stack: DevStack, handler: StubHandler, batches: list[BatchResult]
) -> None:
    handler.crash = True
    stack.upload("articles/a.json", b"{}")
    wait_for(lambda: len(batches) >= 2, what="a retry")
    assert batches[0].error is not None and "handler crashed" in batches[0].error
    assert batches[0].failed == {r.message_id for r in batches[0].records}
    handler.crash = False
    # A batch already received may still crash: wait for the retry that succeeds.
    wait_for(lambda: batches[-1].error is None, what="a successful retry")
    assert stack.wait_drained(10)
    assert stack.queue_depth("WorkDLQ") == 0
    assert not batches[-1].failed
