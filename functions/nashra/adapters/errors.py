"""AWS errors in nashra's terms: the one place that reads botocore error codes.

Every adapter method that calls AWS runs inside `aws_errors()`, so nothing above the
adapters sees a botocore exception. The work-queue handler only has to tell two kinds
apart: a transient failure (`TransientError`, `NotFoundError`, a dropped connection:
`core.problems.is_retried`), whose record is retried, and anything else, reported on the
file that caused it or dropped: retrying the same input cannot help, and would stall the
single FIFO message group until the DLQ (P-FIFO-3).

| AWS says                                                      | nashra raises         |
|---------------------------------------------------------------|-----------------------|
| ValidationException, InvalidArgument, EntityTooLarge,         | StorageRejectedError  |
| KeyTooLongError; a cancelled transaction whose every reason   | (an InputError)       |
| is ValidationError                                            |                       |
| NoSuchBucket, ResourceNotFoundException, a missing queue      | NotFoundError         |
| anything else: throttling, 5xx, timeouts, dropped connections,| TransientError        |
| transaction conflicts, access denied                          |                       |

A missing *object* is not an error: the adapters answer None or False for it
(`is_missing`) before anything is translated.

>>> from botocore.exceptions import ClientError
>>> throttled = ClientError({"Error": {"Code": "SlowDown"}}, "PutObject")
>>> type(translate(throttled)).__name__
'TransientError'
>>> rejected = ClientError({"Error": {"Code": "KeyTooLongError"}}, "PutObject")
>>> print(translate(rejected).problems[0].rule)
storage-rejected
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from nashra.core.problems import (
    NashraError,
    NotFoundError,
    Problem,
    StorageRejectedError,
    TransientError,
)

# 4xx codes that mean "this input cannot be stored", whatever the number of attempts.
INPUT_CODES = frozenset(
    {"ValidationException", "InvalidArgument", "EntityTooLarge", "KeyTooLongError"}
)
# A resource nashra was configured with is not there (bucket, table, queue).
NOT_FOUND_CODES = frozenset(
    {
        "NoSuchBucket",
        "ResourceNotFoundException",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
    }
)
# GetObject's NoSuchKey; HeadObject has no body, so its missing key is a bare 404.
MISSING_OBJECT_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
TRANSACTION_CANCELLED = "TransactionCanceledException"
VALIDATION_REASON = "ValidationError"


def error_code(error: ClientError) -> str:
    """The AWS error code of a ClientError (`""` when the response has none)."""
    return str(error.response.get("Error", {}).get("Code", ""))


def is_missing(error: ClientError) -> bool:
    """True when S3 says the object does not exist: GetObject's `NoSuchKey`, HeadObject's
    bare 404. Not the HTTP status alone: a missing *bucket* is a 404 too (`NoSuchBucket`),
    and reading that as "deleted" would unpublish every article."""
    return error_code(error) in MISSING_OBJECT_CODES


def is_rejected_input(error: ClientError) -> bool:
    """AWS refused what nashra asked it to store, and will refuse it again.

    A cancelled transaction counts only when every reason it gives is a validation error;
    a conflict or a failed condition among them may pass on retry.
    """
    code = error_code(error)
    if code == TRANSACTION_CANCELLED:
        reasons = [r.get("Code") for r in error.response.get("CancellationReasons", ())]
        causes = {r for r in reasons if r and r != "None"}
        return bool(causes) and causes <= {VALIDATION_REASON}
    return code in INPUT_CODES


def translate(error: ClientError | BotoCoreError) -> NashraError:
    """nashra's error for a botocore error (raise it `from error`)."""
    if not isinstance(error, ClientError):
        return TransientError(f"no answer from AWS: {error}")
    if is_rejected_input(error):
        return storage_rejected(error)
    if error_code(error) in NOT_FOUND_CODES:
        return NotFoundError(str(error))
    return TransientError(str(error))


def storage_rejected(error: ClientError) -> StorageRejectedError:
    """The report an editor gets when AWS refuses what their file produced."""
    detail = error.response.get("Error", {}).get("Message") or error_code(error)
    return StorageRejectedError(
        (
            Problem(
                "(file)",
                "storage-rejected",
                f"AWS refused to store what this file produced ({error_code(error)}: "
                f"{detail}); retrying will not help: shorten the file or its name",
                f"رفضت AWS تخزين ما نتج عن هذا الملف ({error_code(error)}: {detail})، "
                "ولن تفيد إعادة المحاولة: اختصر الملف أو اسمه",
            ),
        )
    )


@contextmanager
def aws_errors() -> Iterator[None]:
    """Run AWS calls; a botocore error leaves as nashra's (`translate`), chained to it.

    Usable as `with aws_errors():` or as a decorator of a plain method (not of a
    generator: wrap the loop inside it in `with` instead).
    """
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise translate(error) from error
