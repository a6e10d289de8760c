"""The handler's pieces: which key a message names, which errors are retried, settings."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import S3EventBridgeNotificationEvent
from botocore.exceptions import ClientError
from pydantic import ValidationError

from nashra.adapters.dynamodb import IndexItemTooLargeError
from nashra.core.problems import ConfigError
from nashra.handlers.settings import Settings
from nashra.handlers.work_queue import is_input_error, key_of
from nashra.publish import REBUILD_ALL

INBOX = "nashra-inbox"
ARABIC_KEY = "articles/أخبار الكويت/مقال+1.json"


def client_error(code: str, status: int = 400, **extra: Any) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": code},
        "ResponseMetadata": {"HTTPStatusCode": status},
        **extra,
    }
    return ClientError(response, "TransactWriteItems")


def test_key_of_created_event_is_raw_ar_s3_1(event: Any) -> None:
    body = json.dumps(event("eventbridge_object_created.json"), ensure_ascii=False)
    assert key_of(body, INBOX) == ARABIC_KEY


def test_key_of_deleted_event(event: Any) -> None:
    body = json.dumps(event("eventbridge_object_deleted.json"))  # \u-escaped this time
    assert key_of(body, INBOX) == ARABIC_KEY


def test_powertools_data_class_key_would_corrupt_it_p_key_1(event: Any) -> None:
    """Why key_of reads detail.object.key itself: the data class unquotes `+` to a space."""
    data_class_key = S3EventBridgeNotificationEvent(
        event("eventbridge_object_created.json")
    ).detail.object.key
    assert data_class_key != ARABIC_KEY
    assert data_class_key == ARABIC_KEY.replace("+", " ")


def test_key_of_percent_sequences_are_kept(event: Any) -> None:
    created = event("eventbridge_object_created.json")
    created["detail"]["object"]["key"] = "articles/50%25 off+more.json"
    assert key_of(json.dumps(created), INBOX) == "articles/50%25 off+more.json"


def test_key_of_rebuild_all(event: Any) -> None:
    assert key_of(json.dumps(event("scheduler_rebuild_all.json")), INBOX) == REBUILD_ALL


@pytest.mark.parametrize(
    "body",
    [
        "",
        "not json",
        "[1, 2]",
        '"articles/a.json"',
        '{"action": "rebuild-some"}',
        json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"}),
    ],
)
def test_key_of_ignores_what_is_not_an_inbox_event(body: str) -> None:
    assert key_of(body, INBOX) is None


def test_key_of_ignores_other_buckets_and_detail_types(event: Any) -> None:
    other_bucket = event("eventbridge_object_created.json")
    other_bucket["detail"]["bucket"]["name"] = "someone-else"
    restore = event("eventbridge_object_created.json")
    restore["detail-type"] = "Object Restore Completed"
    no_key = event("eventbridge_object_created.json")
    del no_key["detail"]["object"]["key"]
    for e in (other_bucket, restore, no_key):
        assert key_of(json.dumps(e), INBOX) is None


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (client_error("ProvisionedThroughputExceededException"), False),
        (client_error("ThrottlingException"), False),
        (client_error("SlowDown", 503), False),
        (client_error("InternalError", 500), False),
        (client_error("AccessDenied", 403), False),  # an operator fixes it; then retry works
        (client_error("ValidationException"), True),
        (client_error("EntityTooLarge"), True),
        (
            client_error(
                "TransactionCanceledException",
                CancellationReasons=[{"Code": "None"}, {"Code": "ValidationError"}],
            ),
            True,
        ),
        (
            client_error(
                "TransactionCanceledException",
                CancellationReasons=[{"Code": "ThrottlingError"}, {"Code": "None"}],
            ),
            False,
        ),
        (IndexItemTooLargeError("huge", 500_000), True),
        (ConfigError(), True),
        (RuntimeError("bug"), False),
        (TimeoutError(), False),
    ],
)
def test_only_input_problems_are_permanent(error: Exception, permanent: bool) -> None:
    assert is_input_error(error) is permanent


def test_settings_from_env() -> None:
    env = {
        "INBOX_BUCKET": "in-bucket",
        "FEEDS_BUCKET": "out-bucket",
        "INDEX_TABLE": "index",
        "BREAKING_DISTRIBUTION_ID": "",
    }
    settings = Settings.from_env(env)
    assert (settings.inbox_bucket, settings.feeds_bucket) == ("in-bucket", "out-bucket")
    assert settings.breaking_distribution_id is None
    with pytest.raises(ValidationError):
        Settings.from_env({"INBOX_BUCKET": "in-bucket"})
