"""Integration fixtures: the AWS side under moto, in-process and offline.

Fake credentials and a region are set for every test, and AWS_ENDPOINT_URL is removed, so
nothing here can reach a real account (P-MOTO-1).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from nashra.core.article import Article
from nashra.core.keys import report_key
from nashra.dev.resources import create_index_table as create_table_from_template
from nashra.dev.resources import load_template

REGION = "us-east-1"
ACCOUNT = "123456789012"
INBOX = "nashra-inbox"
FEEDS = "nashra-feeds"
TABLE = "nashra-index"
QUEUE = "nashra-work.fifo"
RULE = "nashra-inbox-changes"
EVENTS_DIR = Path(__file__).parent / "events"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("INBOX_BUCKET", INBOX)
    monkeypatch.setenv("FEEDS_BUCKET", FEEDS)
    monkeypatch.setenv("INDEX_TABLE", TABLE)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "nashra-test")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "NashraTest")


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def s3(aws: None) -> Any:
    return boto3.client("s3", region_name=REGION)


@pytest.fixture
def dynamodb(aws: None) -> Any:
    return boto3.client("dynamodb", region_name=REGION)


def create_index_table(client: Any, name: str = TABLE) -> None:
    """The table as template.yaml declares it."""
    create_table_from_template(client, name)


@dataclass
class CallLog:
    """Counts API calls through botocore's `before-call` hook: (operation, bucket) pairs.
    The hook runs in whichever thread makes the call (the publisher makes them side by
    side); appending to a list is atomic."""

    calls: list[tuple[str, str, str | None]] = field(default_factory=list)
    params: list[dict[str, Any]] = field(default_factory=list)  # each call's parameters

    def watch(self, client: Any) -> Any:
        client.meta.events.register("before-call", self._record)
        return client

    def _record(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        params = context.get("input_params") or {}
        service = model.service_model.service_name
        self.calls.append((service, model.name, params.get("Bucket")))
        self.params.append({"operation": model.name, **params})

    def count(self, operation: str | None = None, bucket: str | None = None) -> int:
        return sum(
            1
            for _, op, b in self.calls
            if (operation is None or op == operation) and (bucket is None or b == bucket)
        )

    def by_service(self) -> Counter[str]:
        return Counter(service for service, _, _ in self.calls)

    def by_operation(self) -> Counter[str]:
        return Counter(f"{service}:{op}" for service, op, _ in self.calls)

    def in_bucket(self, bucket: str) -> Counter[str]:
        """Calls on `bucket`, by operation."""
        return Counter(op for _, op, b in self.calls if b == bucket)

    def index_calls(self) -> Counter[str]:
        """DynamoDB calls, by operation."""
        return Counter(op for service, op, _ in self.calls if service == "dynamodb")

    def keys(self, operation: str, bucket: str) -> list[str]:
        """The keys `operation` was called with on `bucket`, in call order."""
        return [
            str(p.get("Key"))
            for p in self.params
            if p["operation"] == operation and p.get("Bucket") == bucket
        ]

    def clear(self) -> None:
        self.calls.clear()
        self.params.clear()


@pytest.fixture
def call_log() -> CallLog:
    return CallLog()


def make_article(
    article_id: str,
    *,
    section: str = "gulf",
    published: datetime | None = None,
    key: str | None = None,
    title: str = "وزير الدفاع يلتقي نظيره الكويتي",
    body_html: str = "<p>في خطوة تعكس عمق العلاقات بين البلدين.</p>",
    breaking: bool = False,
    status: str = "published",
) -> Article:
    """An Article built directly (no intake), with Arabic text."""
    return Article.model_validate(
        {
            "id": article_id,
            "key": key or f"articles/{article_id}.json",
            "section": section,
            "title": title,
            "breaking": breaking,
            "published": published or datetime(2026, 11, 24, 7, 30, tzinfo=UTC),
            "summary": "ملخص الخبر",
            "body_html": body_html,
            "url": f"https://www.nashra.example/{section}/{article_id}",
            "status": status,
        }
    )


def load_event(name: str) -> Any:
    return json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))


# Tests take helpers as fixtures instead of importing conftest (tests/unit has its own).


@pytest.fixture
def article() -> Any:
    """Factory: `article("id", section=..., published=...)` -> Article."""
    return make_article


@pytest.fixture
def event() -> Any:
    """Loader of JSON fixtures in tests/integration/events/."""
    return load_event


@pytest.fixture
def distribution(aws: None) -> tuple[Any, str]:
    """A CloudFront client and the id of a distribution in front of the feeds bucket."""
    client = boto3.client("cloudfront", region_name=REGION)
    origin = {
        "Id": "feeds",
        "DomainName": f"{FEEDS}.s3.{REGION}.amazonaws.com",
        "S3OriginConfig": {"OriginAccessIdentity": ""},
    }
    config = {
        "CallerReference": "nashra-test",
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {"TargetOriginId": "feeds", "ViewerProtocolPolicy": "https-only"},
        "Comment": "feeds",
        "Enabled": True,
    }
    created = client.create_distribution(DistributionConfig=config)
    return client, created["Distribution"]["Id"]


@pytest.fixture
def index_table(dynamodb: Any) -> str:
    create_index_table(dynamodb)
    return TABLE


# -- the pump: S3 (EventBridge on) -> rule -> SQS FIFO -> lambda_handler ---------------------


def _rule_pattern() -> dict[str, Any]:
    """template.yaml's InboxEventsRule pattern, for the inbox bucket of these tests."""
    template = load_template(Path(__file__).resolve().parents[2] / "template.yaml")
    pattern: dict[str, Any] = template["Resources"]["InboxEventsRule"]["Properties"]["EventPattern"]
    assert pattern["detail"]["bucket"]["name"] == [{"Ref": "InboxBucket"}]
    return {**pattern, "detail": {**pattern["detail"], "bucket": {"name": [INBOX]}}}


RULE_PATTERN = _rule_pattern()
CONTENT = Path(__file__).resolve().parents[2] / "content"


@dataclass
class FakeContext:
    """What Powertools' Logger reads from the Lambda context."""

    function_name: str = "nashra-publisher"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:nashra-publisher"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name: str = "/aws/lambda/nashra-publisher"
    log_stream_name: str = "2026/11/24/[$LATEST]abc"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@dataclass
class Pipeline:
    """The deployed shape of the pipeline, in moto; `pump()` plays the SQS event source."""

    s3: Any
    sqs: Any
    dynamodb: Any
    queue_url: str
    queue_arn: str
    handler: Any
    calls: CallLog
    responses: list[dict[str, Any]] = field(default_factory=list)

    # editor side
    def upload(self, key: str, body: bytes | dict[str, Any] | list[Any]) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.s3.put_object(Bucket=INBOX, Key=key, Body=data)

    def upload_config(self, site: dict[str, Any] | None = None) -> None:
        site_json = site or json.loads((CONTENT / "site.json").read_text(encoding="utf-8"))
        self.upload("config/site.json", site_json)
        self.upload("config/sections.json", (CONTENT / "sections.json").read_bytes())

    def delete(self, key: str) -> None:
        """Delete, then deliver the "Object Deleted" event ourselves: moto 5.2.5 sends no
        event for a delete marker on a versioned bucket (AWS does)."""
        self.s3.delete_object(Bucket=INBOX, Key=key)
        self.inject(object_event("Object Deleted", key))

    def inject(self, body: dict[str, Any]) -> None:
        """Send a body the way EventBridge / the scheduler would (static group, dedup by body)."""
        self.sqs.send_message(
            QueueUrl=self.queue_url, MessageBody=json.dumps(body), MessageGroupId="feeds"
        )

    # Lambda side
    def receive(self, limit: int = 10) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=limit,
            MessageSystemAttributeNames=["All"],
            VisibilityTimeout=30,
        ).get("Messages", [])
        return messages

    def lambda_event(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return {"Records": [sqs_record(m, self.queue_arn) for m in messages]}

    def invoke(self, messages: list[dict[str, Any]]) -> set[str]:
        """Call the handler with one batch; returns the failed message ids."""
        from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

        try:
            response = self.handler.lambda_handler(self.lambda_event(messages), FakeContext())
        except BatchProcessingError:  # every record failed: Lambda retries the batch
            return {m["MessageId"] for m in messages}
        self.responses.append(response)
        return {f["itemIdentifier"] for f in response["batchItemFailures"]}

    def pump(self, rounds: int = 20, batch: int = 10, *, drain: bool = True) -> int:
        """Deliver batches until the queue is empty; delete what was handled, make failed
        messages visible again (as a visibility timeout would). Returns batches run.
        `drain` False: `rounds` batches at most, whatever is left in the queue."""
        for n in range(rounds):
            messages = self.receive(batch)
            if not messages:
                return n
            failed = self.invoke(messages)
            for m in messages:
                if m["MessageId"] in failed:
                    self.sqs.change_message_visibility(
                        QueueUrl=self.queue_url,
                        ReceiptHandle=m["ReceiptHandle"],
                        VisibilityTimeout=0,
                    )
                else:
                    self.sqs.delete_message(
                        QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"]
                    )
        if not drain:
            return rounds
        raise AssertionError(f"queue not empty after {rounds} batches")

    # reader side
    def feed(self, path: str) -> bytes | None:
        try:
            body: bytes = self.s3.get_object(Bucket=FEEDS, Key=path)["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return None
        return body

    def feeds_snapshot(self) -> dict[str, bytes]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=FEEDS)
        keys = [o["Key"] for page in pages for o in page.get("Contents", ())]
        return {k: self.s3.get_object(Bucket=FEEDS, Key=k)["Body"].read() for k in keys}

    def report(self, key: str) -> dict[str, Any] | None:
        try:
            raw = self.s3.get_object(Bucket=INBOX, Key=report_key(key))["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return None
        report: dict[str, Any] = json.loads(raw)
        return report


def object_event(detail_type: str, key: str, bucket: str = INBOX) -> dict[str, Any]:
    """An EventBridge S3 event with the AWS shape (events/*.json), for `key`."""
    name = "created" if detail_type == "Object Created" else "deleted"
    event: dict[str, Any] = load_event(f"eventbridge_object_{name}.json")
    event["id"] = str(uuid.uuid4())  # unique, so FIFO content dedup keeps it (like AWS)
    event["detail"]["bucket"]["name"] = bucket
    event["detail"]["object"]["key"] = key
    return event


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """A received SQS message in the shape the Lambda event source mapping delivers."""
    record: dict[str, Any] = load_event("sqs_fifo_record.json")
    attributes = dict(record["attributes"])
    attributes.update(message.get("Attributes", {}))
    record.update(
        messageId=message["MessageId"],
        receiptHandle=message["ReceiptHandle"],
        body=message["Body"],
        md5OfBody=message["MD5OfBody"],
        attributes=attributes,
        eventSourceARN=queue_arn,
    )
    return record


def build_pipeline_resources(s3: Any, sqs: Any, events: Any, dynamodb: Any) -> tuple[str, str]:
    s3.create_bucket(Bucket=INBOX)
    s3.put_bucket_versioning(Bucket=INBOX, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(
        Bucket=INBOX, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    s3.create_bucket(Bucket=FEEDS)
    create_index_table(dynamodb)
    url: str = sqs.create_queue(
        QueueName=QUEUE,
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    arn: str = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(Name=RULE, EventPattern=json.dumps(RULE_PATTERN), State="ENABLED")
    events.put_targets(
        Rule=RULE,
        Targets=[{"Id": "WorkQueue", "Arn": arn, "SqsParameters": {"MessageGroupId": "feeds"}}],
    )
    return url, arn


@pytest.fixture
def s3_event() -> Any:
    """Factory: `s3_event("Object Deleted", key)` -> an EventBridge S3 event body."""
    return object_event


@pytest.fixture
def lambda_context() -> FakeContext:
    return FakeContext()


@pytest.fixture
def wiring(aws: None) -> tuple[Any, Any, str, str]:
    """Buckets, table, queue and rule, without the handler (for routing checks)."""
    s3 = boto3.client("s3", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    events = boto3.client("events", region_name=REGION)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    url, arn = build_pipeline_resources(s3, sqs, events, dynamodb)
    return s3, sqs, url, arn


@pytest.fixture
def pipeline(wiring: tuple[Any, Any, str, str]) -> Iterator[Pipeline]:
    from nashra.handlers import work_queue

    s3, sqs, url, arn = wiring
    work_queue.services.cache_clear()
    svc = work_queue.services()
    calls = CallLog()
    calls.watch(svc.source.client)  # the one S3 client of every S3 adapter
    calls.watch(svc.index.client)
    yield Pipeline(
        s3=s3,
        sqs=sqs,
        dynamodb=boto3.client("dynamodb", region_name=REGION),
        queue_url=url,
        queue_arn=arn,
        handler=work_queue,
        calls=calls,
    )
    work_queue.services.cache_clear()
