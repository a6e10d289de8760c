"""Integration fixtures: the AWS side under moto, in-process and offline.

Fake credentials and a region are set for every test, and AWS_ENDPOINT_URL is removed, so
nothing here can reach a real account (research/aws-architecture.md §7.1).
"""

from __future__ import annotations

import json
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
    """The table as template.yaml declares it: PK/SK strings, on demand."""
    client.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


@dataclass
class CallLog:
    """Counts API calls through botocore's `before-call` hook: (operation, bucket) pairs."""

    calls: list[tuple[str, str, str | None]] = field(default_factory=list)

    def watch(self, client: Any) -> Any:
        client.meta.events.register("before-call", self._record)
        return client

    def _record(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        params = context.get("input_params") or {}
        service = model.service_model.service_name
        self.calls.append((service, model.name, params.get("Bucket")))

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

    def clear(self) -> None:
        self.calls.clear()


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
def index_table(dynamodb: Any) -> str:
    create_index_table(dynamodb)
    return TABLE
