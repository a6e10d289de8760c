"""PublisherFunction: consumes WorkQueue.fifo batches (docs/design.md, "The cloud pipeline").

Each record body is one of `nashra.work`'s messages. Every record is applied to one
publisher; the touched feeds are rendered once per batch. A failure caused by a file
becomes a report on it (the publisher's boundary); only transient failures
(`core.problems.is_retried`: throttling, 5xx, timeouts, connections) fail their record,
and only that record: the others of the batch are done (P-FIFO-3). Adapters raise
nashra's own errors, so nothing here reads an AWS error code.

This module is the composition root of the function: it builds the clients and adapters
(`services`), a publisher per batch (`new_publisher`) and the handler (`make_handler`).
It stays cheap to import (P-COST-1): no SDK clients and no boto3 import at import time;
`services()` builds them on the first invocation and keeps them while warm. Only the S3
and DynamoDB clients, which every event uses, are built then; the SQS client (a sweep's
next chunk, a config change) and the CloudFront one (a breaking article) are built the
first time they are called (`LazyClient`). Every client comes from one botocore session
(`new_client`), so the endpoint and partition data are loaded once; boto3 itself is not
imported (its resources and s3transfer, which nashra does not use, are a tenth of the
floor `bench/coldstart.py` measures). Neither pydantic nor the renderers are loaded before
the first event that validates or renders (D15). The partial-batch response is built here
rather than by Powertools' BatchProcessor, whose import loads the data classes of every
event source Lambda has and asyncio (D6, bench/coldstart.py).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from nashra.adapters.cloudfront import EdgeInvalidator, Notifiers
from nashra.adapters.dynamodb import DynamoIndex
from nashra.adapters.s3 import S3FeedStore, S3ReportStore, S3Source
from nashra.adapters.sqs import SqsRequeue
from nashra.adapters.variants import VariantStore
from nashra.adapters.websub import WebSubNotifier
from nashra.core.problems import InputError, is_retried
from nashra.handlers.settings import Settings
from nashra.lookahead import WORKERS
from nashra.ports import Notifier
from nashra.publish import FULL_BATCH, FlushReport, Outcome, Publisher
from nashra.work import KeyChanged, Sweep, decode

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

OUTCOME_METRICS = {
    "published": "ArticlesPublished",
    "rejected": "ArticlesRejected",
    "deleted": "ArticlesDeleted",
    "unchanged": "ArticlesUnchanged",
    "scheduled": "ArticlesScheduled",  # accepted, published at its time (D13)
    "sweep": "SweepChunks",
}

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "nashra"))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Nashra"))
# A record is a dict in the shape the SQS event source delivers (messageId, body, ...).
Record = Mapping[str, Any]


_SESSION_LOCK = threading.Lock()  # a botocore session does not build two clients at once


@lru_cache(maxsize=1)
def _botocore_session() -> Any:
    import botocore.session

    return botocore.session.get_session()


def new_client(service: str, config: Any) -> Any:
    """A client of `service` from the process's one SDK session: boto3's default session if
    the process set one up (a bench or a test that hooks its events there sees the
    handler's calls), else a botocore session, without importing boto3 (D15). Either reads
    the region, credentials and `AWS_ENDPOINT_URL` from the environment alike."""
    boto3 = sys.modules.get("boto3")
    default = getattr(boto3, "DEFAULT_SESSION", None)
    with _SESSION_LOCK:
        if default is not None:
            return default.client(service, config=config)
        return _botocore_session().create_client(service, config=config)


class LazyClient:
    """A client built on its first use: `LazyClient("sqs", config).send_message(...)`.

    Building a client loads its service model (tens of milliseconds, P-COST-1); a client
    most invocations never call is not worth that on every cold start.
    """

    def __init__(self, service: str, config: Any) -> None:
        self.service, self.config = service, config
        self._client: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = new_client(self.service, self.config)
        return getattr(self._client, name)


@dataclass(frozen=True)
class Services:
    """The adapters over the SDK clients; built once per execution environment."""

    settings: Settings
    source: S3Source
    index: DynamoIndex
    store: S3FeedStore
    reports: S3ReportStore
    notifier: Notifier
    requeue: SqsRequeue | None = None  # only when WORK_QUEUE is set


@lru_cache(maxsize=1)
def services() -> Services:
    """Clients with standard retries and short timeouts (tests call `services.cache_clear()`)."""
    from botocore.config import Config

    settings = Settings.from_env(os.environ)
    config = Config(
        retries={"mode": "standard", "max_attempts": settings.max_attempts},
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        # The publisher's calls side by side, each file's two variants at once (over 10,
        # botocore's default, a call would open and drop a connection of its own).
        max_pool_connections=2 * WORKERS,
    )
    s3 = new_client("s3", config)
    notifier: Notifier = WebSubNotifier()
    if settings.distribution_id:
        cloudfront = LazyClient("cloudfront", config)  # a breaking article is rare
        invalidator = EdgeInvalidator(cloudfront, settings.distribution_id)
        notifier = Notifiers(invalidator, notifier)  # invalidate first: hubs fetch at once
    queue = settings.work_queue
    return Services(
        settings=settings,
        source=S3Source(s3, settings.inbox_bucket),
        index=DynamoIndex(new_client("dynamodb", config), settings.index_table),
        store=S3FeedStore(s3, settings.feeds_bucket),
        reports=S3ReportStore(s3, settings.inbox_bucket),
        notifier=notifier,
        requeue=SqsRequeue(LazyClient("sqs", config), queue) if queue else None,
    )


def new_publisher(svc: Services) -> Publisher:
    """A publisher for one batch: it holds per-batch state (config, touched feeds), so it is
    never reused across invocations; the adapters under it are."""
    return Publisher(
        source=svc.source,
        index=svc.index,
        # With .br/.gz beside each file for the CDN (D10), both written at once.
        store=VariantStore(svc.store, workers=WORKERS),
        reports=svc.reports,
        clock=lambda: datetime.now(UTC),
        notifier=svc.notifier,
        requeue=svc.requeue,
    )


@dataclass(frozen=True)
class HandledRecord:
    """The outcomes of one record that was not failed (its own first, then nested ones)."""

    message_id: str
    outcomes: tuple[Outcome, ...]


@dataclass(frozen=True)
class HandledBatch:
    """What one invocation did: the records it handled, in order, and what it wrote."""

    records: tuple[HandledRecord, ...]
    flush: FlushReport

    @property
    def outcomes(self) -> list[Outcome]:
        """Every outcome of the batch, nested ones included, in order."""
        return [o for record in self.records for o in record.outcomes]


BatchObserver = Callable[[HandledBatch], None]


def handle_record(publisher: Publisher, settings: Settings, record: Record) -> list[Outcome]:
    """Apply the message of one record. Raises only what should be retried."""
    message_id = str(record["messageId"])
    message = decode(str(record.get("body", "")), settings.inbox_bucket)
    if message is None:
        logger.warning("ignored message", extra={"message_id": message_id})
        return [Outcome(f"(message {message_id})", "ignored")]
    if isinstance(message, Sweep) and not message.run:  # the Scheduler's: named by its id
        message = Sweep(message.after, message.rederive, message_id)
    key = message.key if isinstance(message, KeyChanged) else None
    with logger.append_context_keys(object_key=key):
        try:
            return publisher.apply(message)
        except Exception as error:
            if is_retried(error):
                logger.warning("transient failure; the record will be retried", exc_info=True)
                raise
            # The publisher reports a file's failures itself; one that still escapes (its
            # report could not be stored) is dropped: retrying a deterministic failure
            # would stall the single FIFO group until the DLQ (P-FIFO-3).
            logger.exception("record dropped: its failure is not transient")
            problems = error.problems if isinstance(error, InputError) else ()
            return [Outcome(key or "(message)", "rejected", problems=problems)]


def is_redelivery(event: dict[str, Any]) -> bool:
    """True when any record of the batch was received before (a retry)."""
    counts = (
        r.get("attributes", {}).get("ApproximateReceiveCount", "1")
        for r in event.get("Records", ())
    )
    return any(str(c) != "1" for c in counts)


def _record_healed(outcome: Outcome) -> None:
    """How many keys a sweep chunk healed, in total and in each direction: found in the
    inbox but not (or not as they are) in the index, and gone from the inbox but still in
    the index (lost deletes)."""
    gone = outcome.healed_gone
    logger.warning("sweep healed keys", extra={"healed": outcome.healed, "gone": gone})
    metrics.add_metric(name="KeysHealed", unit=MetricUnit.Count, value=outcome.healed)
    metrics.add_metric(
        name="KeysHealedFromInbox", unit=MetricUnit.Count, value=outcome.healed - gone
    )
    metrics.add_metric(name="KeysHealedGone", unit=MetricUnit.Count, value=gone)


def record_batch(batch: HandledBatch) -> None:
    """Logs and metrics of one batch, from its outcomes and flush report alone."""
    for outcome in batch.outcomes:
        extra: dict[str, Any] = {"object_key": outcome.key, "status": outcome.status}
        extra["article_id"] = outcome.article_id
        if outcome.problems:
            extra["problems"] = [p.rule for p in outcome.problems]
        logger.info("reconciled", extra=extra)
        metric = OUTCOME_METRICS.get(outcome.status)
        if metric is not None:
            metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
        if outcome.healed:  # keys whose events were lost: the KeysHealed alarm says so
            _record_healed(outcome)
    report = batch.flush
    if report.config_problems:
        logger.warning(
            "site config is invalid; no feed rendered until it is fixed",
            extra={"problems": [p.as_line() for p in report.config_problems]},
        )
    for feed, failure in report.failed:
        logger.error(
            "feed not rendered; its last files stay live", extra={"feed": feed, "error": failure}
        )
    for path in report.written:
        logger.info("feed written", extra={"feed": path})
    for path in report.deleted:
        logger.info("feed deleted (its section was removed)", extra={"feed": path})
    metrics.add_metric(name="FeedsWritten", unit=MetricUnit.Count, value=len(report.written))
    metrics.add_metric(name="FeedsUnchanged", unit=MetricUnit.Count, value=len(report.unchanged))
    metrics.add_metric(name="FeedsFailed", unit=MetricUnit.Count, value=len(report.failed))


def process_batch(
    event: dict[str, Any], context: LambdaContext, observe: BatchObserver | None
) -> dict[str, Any]:
    """Apply every record, flush once, record the outcomes; the partial-batch response.

    If rendering fails after the records were reconciled, the invocation fails and the whole
    batch comes back: reconciling is idempotent, so that is safe.
    """
    publisher = new_publisher(services())
    # Every key of the batch is read ahead, side by side; a full batch has more behind it,
    # so its feeds may wait for a render request (`nashra.publish`).
    records = event.get("Records", ())
    inbox = services().settings.inbox_bucket
    bodies = (decode(str(r.get("body", "")), inbox) for r in records)
    publisher.prepare([m for m in bodies if m is not None], backlog=len(records) >= FULL_BATCH)
    if is_redelivery(event):
        # An earlier attempt may have updated the index and then failed to write the
        # feeds; reconciling again finds nothing changed, so render every feed instead.
        logger.info("redelivered batch: rendering every feed")
        publisher.touch_all()
    handled, failures = apply_records(publisher, event.get("Records", ()))
    batch = HandledBatch(tuple(handled), publisher.flush())
    record_batch(batch)
    if observe is not None:
        observe(batch)
    return {"batchItemFailures": [{"itemIdentifier": m} for m in failures]}


def apply_records(
    publisher: Publisher, records: list[Record]
) -> tuple[list[HandledRecord], list[str]]:
    """Apply each record in turn: the records handled, and the ids of those that failed.

    Not SqsFifoPartialProcessor: it fails every record behind a failed one, and after five
    receives those healthy records land in the DLQ with it (P-FIFO-3). Order does not matter
    here: each message only means "key K changed", and reconciling reads the key's current
    state (D3). So a transient failure fails its own record; the others are done. When
    every record failed, the invocation fails as Powertools' BatchProcessor makes it fail
    (its BatchProcessingError, imported on that path only): Lambda retries the whole batch
    and the Errors metric, which the alarms read, counts it.
    """
    handled: list[HandledRecord] = []
    failures: list[str] = []
    errors: list[Any] = []
    for record in records:
        try:
            outcomes = handle_record(publisher, services().settings, record)
        except Exception:
            failures.append(str(record["messageId"]))
            errors.append(sys.exc_info())
            continue
        handled.append(HandledRecord(str(record["messageId"]), tuple(outcomes)))
    if records and len(failures) == len(records):
        from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

        message = f"All records failed processing. {len(errors)} individual errors below."
        raise BatchProcessingError(msg=message, child_exceptions=errors)
    return handled, failures


def make_handler(observe: BatchObserver | None = None) -> Callable[..., dict[str, Any]]:
    """The Lambda entry point; `observe` (the `nashra dev` console) sees each batch."""

    @logger.inject_lambda_context(clear_state=True)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        """Process one FIFO batch; returns `{"batchItemFailures": [...]}`."""
        try:
            return process_batch(event, context, observe)
        finally:
            # What `metrics.log_metrics` does, but an invocation that failed before it
            # recorded anything prints nothing: Lambda's Errors metric counts it, and
            # Powertools would only warn of an empty set in the log.
            if metrics.metric_set:
                metrics.flush_metrics()

    return handler


lambda_handler = make_handler()
