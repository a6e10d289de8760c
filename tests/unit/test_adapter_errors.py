"""`nashra.adapters.errors`: every botocore error becomes nashra's own, classified the way
the work queue needs (drop and report, or retry).

The errors are real: each is made by a real botocore client from the HTTP answer AWS
gives, through botocore's own parsing (error code, modeled fields such as a cancelled
transaction's reasons, SQS's query-compatible codes), with no network and no AWS.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from nashra.adapters.dynamodb import IndexItemTooLargeError
from nashra.adapters.errors import aws_errors, is_missing, translate
from nashra.core.problems import (
    InputError,
    NashraError,
    NotFoundError,
    StorageRejectedError,
    TransientError,
)

ARABIC_LETTER = re.compile("[\u0621-\u064a]")
Reply = tuple[int, dict[str, str], bytes]


class Raw:
    """The one thing AWSResponse reads from a raw HTTP response: its body, streamed."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self) -> Iterator[bytes]:
        yield self.body


def client(service: str) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def clients() -> dict[str, Any]:
    return {name: client(name) for name in ("s3", "dynamodb", "sqs")}


def raised(aws: Any, call: Callable[[Any], Any], reply: Reply | Exception) -> Exception:
    """What `call(aws)` raises when AWS answers `reply` (or the connection fails so)."""

    def answer(request: Any, **_: Any) -> AWSResponse:
        if isinstance(reply, Exception):
            raise reply
        status, headers, body = reply
        return AWSResponse(request.url, status, headers, Raw(body))

    aws.meta.events.register_first("before-send", answer)
    try:
        call(aws)
    except (ClientError, BotoCoreError) as error:
        return error
    finally:
        aws.meta.events.unregister("before-send", answer)
    raise AssertionError("the call did not fail")


def s3_error(status: int, code: str) -> Reply:
    body = f"<Error><Code>{code}</Code><Message>{code} said S3</Message></Error>"
    return status, {"Content-Type": "application/xml"}, body.encode()


def dynamo_error(status: int, code: str, **fields: Any) -> Reply:
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": code, **fields}
    return status, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(body).encode()


def cancelled(*reasons: str) -> Reply:
    return dynamo_error(
        400,
        "TransactionCanceledException",
        CancellationReasons=[{"Code": r, "Message": r} for r in reasons],
    )


def sqs_error(code: str, query_code: str | None) -> Reply:
    headers = {"Content-Type": "application/x-amz-json-1.0"}
    if query_code:  # what SQS sends for clients of its old query protocol
        headers["x-amzn-query-error"] = f"{query_code};Sender"
    body = json.dumps({"__type": f"com.amazonaws.sqs#{code}", "message": code})
    return 400, headers, body.encode()


def put(aws: Any) -> Any:
    return aws.put_object(Bucket="inbox", Key="reports/articles/a.json", Body=b"{}")


def get(aws: Any) -> Any:
    return aws.get_object(Bucket="inbox", Key="articles/a.json")


def head(aws: Any) -> Any:
    return aws.head_object(Bucket="inbox", Key="articles/a.json")


def transact(aws: Any) -> Any:
    item = {"Put": {"TableName": "index", "Item": {"PK": {"S": "ART#a"}, "SK": {"S": "A"}}}}
    return aws.transact_write_items(TransactItems=[item])


def query(aws: Any) -> Any:
    return aws.query(TableName="index", KeyConditionExpression="PK = :pk")


def send(aws: Any) -> Any:
    return aws.send_message(
        QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q.fifo", MessageBody="{}"
    )


CASES = [
    # Input AWS will refuse however often it is sent: dropped and reported, never retried.
    pytest.param(
        "s3", put, s3_error(400, "KeyTooLongError"), StorageRejectedError, id="key too long"
    ),
    pytest.param(
        "s3", put, s3_error(400, "EntityTooLarge"), StorageRejectedError, id="object too large"
    ),
    pytest.param(
        "s3", put, s3_error(400, "InvalidArgument"), StorageRejectedError, id="invalid argument"
    ),
    pytest.param(
        "dynamodb",
        transact,
        dynamo_error(400, "ValidationException"),
        StorageRejectedError,
        id="item invalid",
    ),
    pytest.param(
        "dynamodb",
        transact,
        cancelled("None", "ValidationError"),
        StorageRejectedError,
        id="only validation reasons",
    ),
    pytest.param(
        "dynamodb",
        transact,
        cancelled("ValidationError", "ValidationError"),
        StorageRejectedError,
        id="every reason validation",
    ),
    # A resource nashra was configured with is missing.
    pytest.param("s3", get, s3_error(404, "NoSuchBucket"), NotFoundError, id="no bucket"),
    pytest.param("s3", put, s3_error(404, "NoSuchBucket"), NotFoundError, id="no bucket on put"),
    pytest.param(
        "dynamodb",
        query,
        dynamo_error(400, "ResourceNotFoundException"),
        NotFoundError,
        id="no table",
    ),
    pytest.param(
        "sqs",
        send,
        sqs_error("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"),
        NotFoundError,
        id="no queue, query code",
    ),
    pytest.param(
        "sqs", send, sqs_error("QueueDoesNotExist", None), NotFoundError, id="no queue, json code"
    ),
    # Everything else may pass on retry.
    pytest.param("s3", put, s3_error(503, "SlowDown"), TransientError, id="s3 slow down"),
    pytest.param("s3", put, s3_error(500, "InternalError"), TransientError, id="s3 internal error"),
    pytest.param(
        "s3", put, s3_error(403, "AccessDenied"), TransientError, id="access denied"
    ),  # an operator fixes it
    pytest.param(
        "dynamodb",
        query,
        dynamo_error(400, "ProvisionedThroughputExceededException"),
        TransientError,
        id="throughput exceeded",
    ),
    pytest.param(
        "dynamodb", query, dynamo_error(400, "ThrottlingException"), TransientError, id="throttled"
    ),
    pytest.param(
        "dynamodb",
        query,
        dynamo_error(500, "InternalServerError"),
        TransientError,
        id="dynamodb 500",
    ),
    pytest.param(
        "dynamodb",
        transact,
        cancelled("ValidationError", "TransactionConflict"),
        TransientError,
        id="validation and a conflict",
    ),
    pytest.param(
        "dynamodb",
        transact,
        cancelled("ConditionalCheckFailed", "ValidationError"),
        TransientError,
        id="validation and a failed condition",
    ),
    pytest.param(
        "dynamodb",
        transact,
        cancelled("ThrottlingError", "None"),
        TransientError,
        id="throttled transaction",
    ),
    pytest.param(
        "dynamodb",
        transact,
        cancelled("None", "None"),
        TransientError,
        id="cancelled for no reason",
    ),
    pytest.param(
        "dynamodb",
        transact,
        dynamo_error(400, "TransactionCanceledException"),
        TransientError,
        id="cancelled, reasons absent",
    ),
    pytest.param(
        "dynamodb",
        transact,
        dynamo_error(400, "TransactionInProgressException"),
        TransientError,
        id="transaction in progress",
    ),
    pytest.param(
        "sqs",
        send,
        sqs_error("RequestThrottled", "RequestThrottled"),
        TransientError,
        id="sqs throttled",
    ),
    pytest.param(
        "s3",
        put,
        EndpointConnectionError(endpoint_url="https://s3.amazonaws.com"),
        TransientError,
        id="no connection",
    ),
    pytest.param(
        "dynamodb",
        query,
        ConnectTimeoutError(endpoint_url="https://dynamodb"),
        TransientError,
        id="connect timeout",
    ),
    pytest.param(
        "sqs", send, ReadTimeoutError(endpoint_url="https://sqs"), TransientError, id="read timeout"
    ),
]


@pytest.mark.parametrize(("service", "call", "reply", "expected"), CASES)
def test_every_aws_error_becomes_one_of_nashras(
    clients: dict[str, Any],
    service: str,
    call: Callable[[Any], Any],
    reply: Reply | Exception,
    expected: type[NashraError],
) -> None:
    error = raised(clients[service], call, reply)
    assert type(translate(error)) is expected
    with pytest.raises(NashraError) as caught, aws_errors():
        raise error
    assert type(caught.value) is expected
    assert caught.value.__cause__ is error  # the AWS answer stays in the traceback
    assert isinstance(caught.value, InputError) is (expected is StorageRejectedError)


def test_a_rejected_store_tells_the_editor_why_in_both_languages(clients: dict[str, Any]) -> None:
    error = raised(clients["s3"], put, s3_error(400, "KeyTooLongError"))
    rejected = translate(error)
    assert isinstance(rejected, StorageRejectedError)
    [problem] = rejected.problems
    assert (problem.field, problem.rule, problem.severity) == (
        "(file)",
        "storage-rejected",
        "error",
    )
    assert "KeyTooLongError" in problem.message_en
    assert "KeyTooLongError said S3" in problem.message_en  # AWS's own words, for support
    assert "KeyTooLongError" in problem.message_ar
    assert ARABIC_LETTER.search(problem.message_ar)
    assert "storage-rejected" in str(rejected)


def test_a_missing_object_is_an_answer_not_a_missing_bucket(clients: dict[str, Any]) -> None:
    no_key = raised(clients["s3"], get, s3_error(404, "NoSuchKey"))
    no_head = raised(clients["s3"], head, (404, {}, b""))  # HeadObject: no body, bare 404
    no_bucket = raised(clients["s3"], get, s3_error(404, "NoSuchBucket"))
    assert isinstance(no_key, ClientError) and is_missing(no_key)
    assert isinstance(no_head, ClientError) and is_missing(no_head)
    assert isinstance(no_bucket, ClientError) and not is_missing(no_bucket)


@pytest.mark.parametrize(
    "error",
    [IndexItemTooLargeError("huge", 500_000), ValueError("a bug"), KeyError("doc")],
    ids=["nashra's own", "a bug", "a missing field"],
)
def test_errors_that_are_not_aws_pass_through_unchanged(error: Exception) -> None:
    with pytest.raises(type(error)) as caught, aws_errors():
        raise error
    assert caught.value is error


def test_aws_errors_decorates_a_plain_function(clients: dict[str, Any]) -> None:
    error = raised(clients["s3"], put, s3_error(503, "SlowDown"))

    @aws_errors()
    def store() -> None:
        raise error

    with pytest.raises(TransientError):
        store()
    with pytest.raises(TransientError):  # and again: each call gets its own guard
        store()
