"""PublisherFunction: consumes WorkQueue.fifo batches (docs/design.md, "The cloud pipeline").

Each record body is an EventBridge S3 "Object Created"/"Object Deleted" event, or the
hourly `{"action": "rebuild-all"}`. Every record is reconciled; the touched feeds are
rendered once per batch. Rejected input is handled (the publisher writes a report); only
transient failures fail a record, and `SqsFifoPartialProcessor` then fails the rest of the
batch too, so order is kept (P-FIFO-3).

The module stays cheap to import (P-COST-1): no SDK clients and no boto3 import at import
time; `services()` builds them on the first invocation and keeps them while warm.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from nashra.adapters.cloudfront import BreakingInvalidator, Notifiers
from nashra.adapters.dynamodb import DynamoIndex
from nashra.adapters.s3 import S3FeedStore, S3ReportStore, S3Source
from nashra.adapters.sqs import RECONCILE_ACTION, SqsRequeue
from nashra.adapters.websub import WebSubNotifier
from nashra.core.problems import InputError
from nashra.handlers.settings import Settings
from nashra.publish import ARTICLES_PREFIX, REBUILD_ALL, Outcome, Publisher

S3_DETAIL_TYPES = frozenset({"Object Created", "Object Deleted"})
# 4xx codes that mean "this input cannot be stored", not "try again": retrying them would
# stall the single message group until the DLQ (P-FIFO-3).
INPUT_ERROR_CODES = frozenset(
    {"ValidationException", "InvalidArgument", "EntityTooLarge", "KeyTooLongError"}
)
OUTCOME_METRICS = {
    "published": "ArticlesPublished",
    "rejected": "ArticlesRejected",
    "deleted": "ArticlesDeleted",
}

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "nashra"))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Nashra"))
processor = SqsFifoPartialProcessor()


@dataclass(frozen=True)
class Services:
    """SDK clients and the adapters over them; built once per execution environment."""

    settings: Settings
    s3: Any
    dynamodb: Any
    source: S3Source
    index: DynamoIndex
    store: S3FeedStore
    reports: S3ReportStore
    cloudfront: Any = None  # only when BREAKING_DISTRIBUTION_ID is set
    requeue: SqsRequeue | None = None  # only when WORK_QUEUE is set


@lru_cache(maxsize=1)
def services() -> Services:
    """Clients with standard retries and short timeouts (tests call `services.cache_clear()`)."""
    import boto3
    from botocore.config import Config

    settings = Settings.from_env(os.environ)
    config = Config(
        retries={"mode": "standard", "max_attempts": settings.max_attempts},
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
    )
    s3 = boto3.client("s3", config=config)
    dynamodb = boto3.client("dynamodb", config=config)
    return Services(
        settings=settings,
        s3=s3,
        dynamodb=dynamodb,
        source=S3Source(s3, settings.inbox_bucket),
        index=DynamoIndex(dynamodb, settings.index_table),
        store=S3FeedStore(s3, settings.feeds_bucket),
        reports=S3ReportStore(s3, settings.inbox_bucket),
        cloudfront=(
            boto3.client("cloudfront", config=config) if settings.breaking_distribution_id else None
        ),
        requeue=(
            SqsRequeue(boto3.client("sqs", config=config), settings.work_queue)
            if settings.work_queue
            else None
        ),
    )


def new_publisher(svc: Services) -> Publisher:
    """A publisher for one batch: it holds per-batch state (config, touched feeds), so it is
    never reused across invocations; the adapters under it are."""
    publisher = Publisher(
        source=svc.source,
        index=svc.index,
        store=svc.store,
        reports=svc.reports,
        clock=lambda: datetime.now(UTC),
        requeue=svc.requeue,
    )
    websub = WebSubNotifier(lambda: _hub(publisher))
    if svc.cloudfront is None:
        publisher.notifier = websub
    else:
        invalidator = BreakingInvalidator(
            svc.cloudfront, str(svc.settings.breaking_distribution_id)
        )
        # Invalidate first: a hub fetches the feed as soon as it is pinged.
        publisher.notifier = Notifiers(invalidator, websub)
    return publisher


def _hub(publisher: Publisher) -> str | None:
    hub = publisher.config.site.hub
    return None if hub is None else str(hub)


def key_of(body: str, inbox_bucket: str) -> str | None:
    """The inbox key a message is about, `REBUILD_ALL`, or None for anything else."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if data.get("action") == REBUILD_ALL:
        return REBUILD_ALL
    if data.get("action") == RECONCILE_ACTION:
        # Sent by the publisher itself after a config change (SqsRequeue).
        key = data.get("key")
        return key if isinstance(key, str) and key.startswith(ARTICLES_PREFIX) else None
    return _s3_key(data, inbox_bucket)


def _s3_key(data: dict[str, Any], inbox_bucket: str) -> str | None:
    """The key of an EventBridge S3 event from the inbox.

    EventBridge does not URL-encode S3 keys, so the key is taken raw from
    `detail.object.key`. `S3EventBridgeNotificationEvent`'s `.key` would unquote it and turn
    `+` into a space (P-KEY-1), hence the generic data class.
    """
    event = EventBridgeEvent(data)
    if event.get("source") != "aws.s3" or event.get("detail-type") not in S3_DETAIL_TYPES:
        return None
    detail = event.get("detail")
    if not isinstance(detail, dict) or detail.get("bucket", {}).get("name") != inbox_bucket:
        return None
    key = (detail.get("object") or {}).get("key")
    return key if isinstance(key, str) and key else None


def is_input_error(error: Exception) -> bool:
    """A permanent problem with this record's input: retrying cannot help."""
    if isinstance(error, InputError):
        # The publisher reports bad input itself (IndexItemTooLargeError is one); any that
        # still escapes is permanent, and retrying it would stall the single FIFO group.
        return True
    if not isinstance(error, ClientError):
        return False
    code = error.response.get("Error", {}).get("Code", "")
    if code == "TransactionCanceledException":
        reasons = [r.get("Code") for r in error.response.get("CancellationReasons", ())]
        causes = {r for r in reasons if r and r != "None"}
        return bool(causes) and causes <= {"ValidationError"}
    return code in INPUT_ERROR_CODES


def is_redelivery(event: dict[str, Any]) -> bool:
    """True when any record of the batch was received before (a retry)."""
    counts = (
        r.get("attributes", {}).get("ApproximateReceiveCount", "1")
        for r in event.get("Records", ())
    )
    return any(str(c) != "1" for c in counts)


def handle_record(publisher: Publisher, settings: Settings, record: SQSRecord) -> str:
    """Reconcile the key of one message. Raises only what should be retried."""
    key = key_of(record.body, settings.inbox_bucket)
    if key is None:
        logger.warning("ignored message", extra={"message_id": record.message_id})
        return "ignored"
    with logger.append_context_keys(object_key=key):
        try:
            outcome = publisher.reconcile(key)
        except Exception as error:
            if not is_input_error(error):
                logger.warning("transient failure; the record will be retried", exc_info=True)
                raise
            logger.exception("input cannot be indexed; record dropped")
            metrics.add_metric(name="ArticlesRejected", unit=MetricUnit.Count, value=1)
            return "dropped"
        _record_outcome(outcome)
    return outcome.status


def _record_outcome(outcome: Outcome) -> None:
    extra: dict[str, Any] = {"status": outcome.status, "article_id": outcome.article_id}
    if outcome.problems:
        extra["problems"] = [p.rule for p in outcome.problems]
    logger.info("reconciled", extra=extra)
    metric = OUTCOME_METRICS.get(outcome.status)
    if metric is not None:
        metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process one FIFO batch; returns `{"batchItemFailures": [...]}`.

    If rendering fails after the records were reconciled, the invocation fails and the whole
    batch comes back: reconciling is idempotent, so that is safe.
    """
    svc = services()
    publisher = new_publisher(svc)
    if is_redelivery(event):
        # An earlier attempt may have updated the index and then failed to write the
        # feeds; reconciling again finds nothing changed, so render every feed instead.
        logger.info("redelivered batch: rendering every feed")
        publisher.touch_all()

    def record_handler(record: SQSRecord) -> str:
        return handle_record(publisher, svc.settings, record)

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    report = publisher.flush()
    if report.config_problems:
        logger.warning(
            "site config is invalid; no feed rendered until it is fixed",
            extra={"problems": [p.as_line() for p in report.config_problems]},
        )
    for path in report.written:
        logger.info("feed written", extra={"feed": path})
    metrics.add_metric(name="FeedsWritten", unit=MetricUnit.Count, value=len(report.written))
    metrics.add_metric(name="FeedsUnchanged", unit=MetricUnit.Count, value=len(report.unchanged))
    return dict(response)
