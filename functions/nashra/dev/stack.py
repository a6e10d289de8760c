"""The local stack: a moto server with template.yaml's resources, the poller and the CDN.

Everything binds 127.0.0.1 (moto's server defaults to 0.0.0.0, P-MOTO-1). The
handler runs in this process against the moto endpoint through `AWS_ENDPOINT_URL` and
fake credentials, so nothing can reach a real account. Two deliberate differences from
template.yaml, both printed at start: the dev inbox is not versioned (moto 5.2.5 sends no
EventBridge event for a delete marker, so deletes would never publish), and the poller
receives with a short visibility timeout so a failing record is retried within seconds.
The Scheduler's per-minute due tick (D13) is played by `DueTicker`, which looks at the
index every second and sends a tick only once a scheduled article is due: a story appears
a second or two after its time instead of up to a minute.
moto runs with dev/moto_patches.py applied, so a publish into a large index costs what it
costs into a small one, and a bulk import publishes at the same rate per article however
long the backlog of its messages grows.

Used as `with DevStack(StackOptions(content=Path("content"), port=0)) as stack:`, then
`stack.upload_content()` and `stack.wait_drained(30)`; `nashra dev` does just that.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import boto3
from moto.server import ThreadedMotoServer

from nashra.adapters.dynamodb import DynamoIndex
from nashra.adapters.local import key_for
from nashra.adapters.sqs import SqsRequeue
from nashra.core.intake import key_problem
from nashra.core.keys import (
    ARTICLE_GLOB,
    ARTICLES_PREFIX,
    CONFIG_FILES,
    is_input_key,
    report_key,
)
from nashra.dev import moto_patches
from nashra.dev.cdn import CdnServer
from nashra.dev.console import Console
from nashra.dev.poller import BatchResult, Handler, Poller
from nashra.dev.resources import StackPlan, default_template, load_template, plan_from_template
from nashra.dev.ticker import INTERVAL, DueTicker
from nashra.editor import FAKE_CREDENTIALS, JSON_TYPE

if TYPE_CHECKING:
    from nashra.dev.watcher import ContentWatcher

MOTO_GAPS = ("inbox versioning is off: moto 5.2.5 emits no EventBridge event for a delete marker",)
log = logging.getLogger(__name__)


def content_files(root: Path) -> list[Path]:
    """Config first, then articles, each in sorted order (what `nashra dev` uploads)."""
    config = [root / n for n in CONFIG_FILES if (root / n).is_file()]
    folder = root / ARTICLES_PREFIX
    articles = sorted(folder.rglob(ARTICLE_GLOB)) if folder.is_dir() else []
    return config + [p for p in articles if p.is_file()]


def inbox_key(root: Path, path: Path) -> str | None:
    """The inbox key of a content file, or None when the file is not editorial input. A
    file nashra would never read though an editor meant it as an article («Story.JSON»)
    is said on the console: uploaded, it would sit in the inbox with no report."""
    key = key_for(root, path)
    if is_input_key(key):
        return key
    if key.startswith(ARTICLES_PREFIX) and path.is_file():
        problem = key_problem(key)
        if problem is not None:
            log.warning("%s: not uploaded: %s", path, problem.message_en)
    return None


@dataclass
class StackOptions:
    content: Path
    template: Path = field(default_factory=default_template)
    port: int = 8080
    moto_port: int = 0
    region: str = "us-east-1"
    visibility_timeout: int = 2
    verbose: bool = False
    quiet: bool = False
    due_interval: float = INTERVAL  # seconds between two looks for due scheduled articles


class _Environment:
    """Sets process environment variables and puts the old values back on restore."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}

    def set(self, values: dict[str, str]) -> None:
        for name, value in values.items():
            self._saved.setdefault(name, os.environ.get(name))
            os.environ[name] = value

    def restore(self) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved.clear()


def provision(plan: StackPlan, endpoint: str, region: str) -> dict[str, str]:
    """Create the plan's resources on the moto server; returns queue URLs by logical id."""
    session = boto3.session.Session(region_name=region)
    s3 = session.client("s3", endpoint_url=endpoint)
    for bucket in plan.buckets.values():
        s3.create_bucket(Bucket=bucket)
    inbox = plan.buckets["InboxBucket"]
    s3.put_bucket_notification_configuration(
        Bucket=inbox, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    sqs = session.client("sqs", endpoint_url=endpoint)
    urls: dict[str, str] = {}
    # Dead-letter queues first: a redrive policy names an existing queue.
    for queue in sorted(plan.queues.values(), key=lambda q: "RedrivePolicy" in q.attributes):
        urls[queue.logical_id] = sqs.create_queue(
            QueueName=queue.name, Attributes=queue.attributes
        )["QueueUrl"]
    events = session.client("events", endpoint_url=endpoint)
    for rule in plan.rules.values():
        events.put_rule(Name=rule.name, EventPattern=json.dumps(rule.event_pattern))
        events.put_targets(Rule=rule.name, Targets=rule.targets)
    dynamodb = session.client("dynamodb", endpoint_url=endpoint)
    for table in plan.tables.values():
        dynamodb.create_table(TableName=table.name, **table.properties)
    return urls


def reset_moto(endpoint: str) -> None:
    """Drop every resource the process's moto backends hold (moto's reset API)."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def load_handler(console: Console) -> Handler:
    """The real Lambda handler, showing each batch on `console`, with its cached clients
    dropped (new endpoint and environment)."""
    from nashra.handlers import work_queue

    work_queue.services.cache_clear()
    # The logger reads POWERTOOLS_LOG_LEVEL when the module is first imported, which may
    # have been before `_function_env` set it (tests run many stacks in one process).
    work_queue.logger.setLevel(os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO"))
    handler: Handler = work_queue.make_handler(observe=console.on_handled)
    return handler


class DevStack:
    """Starts and stops the moto server, the resources, the poller and the CDN server."""

    def __init__(
        self,
        options: StackOptions,
        *,
        handler: Handler | None = None,
        on_batch: Callable[[BatchResult], None] | None = None,
        say: Callable[[str], None] = print,
    ) -> None:
        self.options = options
        self._handler = handler
        self._on_batch = on_batch
        self._say = say
        self.console: Console | None = None
        self._stdout: _MutedStdout | None = None
        self._env = _Environment()
        self.moto: ThreadedMotoServer | None = None
        self.poller: Poller | None = None
        self.cdn: CdnServer | None = None
        self.watcher: ContentWatcher | None = None
        self.ticker: DueTicker | None = None
        self.endpoint = ""
        self.plan = plan_from_template(load_template(options.template), region=options.region)
        self.queue_urls: dict[str, str] = {}
        self.uploads: dict[str, float] = {}

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> DevStack:
        opts = self.options
        logging.getLogger("werkzeug").setLevel(logging.INFO if opts.verbose else logging.ERROR)
        self._env.set({**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": opts.region})
        self._env.set({"AWS_REGION": opts.region})
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=opts.moto_port, verbose=False)
        moto_patches.apply()  # flat cost per publish however large the index; stop() undoes
        self.moto.start()
        host, port = self.moto.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        reset_moto(self.endpoint)  # moto's state is per process: start from nothing
        self._env.set({"AWS_ENDPOINT_URL": self.endpoint})
        self.queue_urls = provision(self.plan, self.endpoint, opts.region)
        self._env.set(self._function_env())
        self.s3 = self.client("s3")
        self.sqs = self.client("sqs")
        self.console = Console(self.inbox_bucket, say=self._say, quiet=opts.quiet)
        handler = self._handler or load_handler(self.console)
        if not opts.verbose:
            self._stdout = _MutedStdout(sys.stdout)
            sys.stdout = self._stdout
            handler = self._stdout.wrap(handler)
        work = self.plan.queues["WorkQueue"]
        self.poller = Poller(
            self.sqs,
            self.queue_urls["WorkQueue"],
            self.plan.queue_arn(work),
            opts.region,
            handler,
            inbox_bucket=self.inbox_bucket,
            on_batch=self._batch_done,
            visibility_timeout=opts.visibility_timeout,
        )
        self.poller.start()
        # DueSchedule's stand-in: a `due` tick once a scheduled article's time has passed.
        index = DynamoIndex(self.client("dynamodb"), self.plan.tables["IndexTable"].name)
        requeue = SqsRequeue(self.client("sqs"), self.queue_urls["WorkQueue"])
        self.ticker = DueTicker(index, requeue, interval=opts.due_interval)
        self.ticker.start()
        self.cdn = CdnServer(self.s3, self.feeds_bucket, port=opts.port, verbose=opts.verbose)
        self.cdn.start()
        return self

    def _batch_done(self, result: BatchResult) -> None:
        if self.console is not None:
            self.console.on_batch(result)
        if self._on_batch is not None:
            self._on_batch(result)

    def watch(self) -> None:
        """Mirror every change under the content folder into the inbox from now on."""
        from nashra.dev.watcher import ContentWatcher

        self.watcher = ContentWatcher(self.options.content.resolve(), self.sync)
        self.watcher.start()

    def stop(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None
        if self.ticker is not None:
            self.ticker.stop()
            self.ticker = None
        if self.poller is not None:
            self.poller.stop()
            self.poller = None
        if self.cdn is not None:
            self.cdn.stop()
            self.cdn = None
        if self.moto is not None:
            self.moto.stop()
            self.moto = None
            moto_patches.remove()
        self._env.restore()
        if self._stdout is not None and sys.stdout is self._stdout:
            sys.stdout = self._stdout.target
        self._stdout = None

    def __enter__(self) -> DevStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _function_env(self) -> dict[str, str]:
        env = dict(self.plan.function_env)
        env.setdefault("INBOX_BUCKET", self.inbox_bucket)
        env.setdefault("FEEDS_BUCKET", self.feeds_bucket)
        env.setdefault("INDEX_TABLE", self.plan.tables["IndexTable"].name)
        if not self.options.verbose:
            # The console prints one line per file and sums the rest; Powertools' JSON lines
            # (a warning per message it ignores, per transient retry) would drown it. Errors
            # (a bug) still print.
            env["POWERTOOLS_LOG_LEVEL"] = "ERROR"
        return env

    # -- names ---------------------------------------------------------------------------

    @property
    def inbox_bucket(self) -> str:
        return self.plan.buckets["InboxBucket"]

    @property
    def feeds_bucket(self) -> str:
        return self.plan.buckets["FeedsBucket"]

    @property
    def cdn_url(self) -> str:
        assert self.cdn is not None, "start() first"
        return self.cdn.url

    def client(self, service: str) -> Any:
        """A boto3 client for the moto server (fake credentials, the stack's region)."""
        return boto3.session.Session(region_name=self.options.region).client(
            service, endpoint_url=self.endpoint, **_credentials()
        )

    # -- inbox ---------------------------------------------------------------------------

    def upload(self, key: str, body: bytes | BinaryIO) -> None:
        self.s3.put_object(Bucket=self.inbox_bucket, Key=key, Body=body, ContentType=JSON_TYPE)
        self.uploads[key] = time.time()

    def upload_file(self, key: str, path: Path) -> None:
        """Upload a content file as it is, streamed: a file of gigabytes is sent as an
        editor's upload would be, and the publisher reports it on its size (B-1)."""
        with path.open("rb") as file:
            self.upload(key, file)

    def delete(self, key: str) -> None:
        self.s3.delete_object(Bucket=self.inbox_bucket, Key=key)
        self.uploads[key] = time.time()

    def has_report(self, key: str) -> bool:
        """Whether the inbox holds a report on `key` (the publisher's, `reports/<key>`)."""
        found = self.s3.list_objects_v2(
            Bucket=self.inbox_bucket, Prefix=report_key(key), MaxKeys=1
        ).get("Contents", [])
        return any(obj["Key"] == report_key(key) for obj in found)

    def upload_content(self) -> list[str]:
        """Upload the content folder: config first, then articles (sorted). The poller is
        held while the config files go up, so they are reconciled in one batch: else a
        quick poll reads site.json alone and the console shows it rejected for a missing
        sections.json that is on its way."""
        root = self.options.content
        keys = []
        files = content_files(root)
        config = [p for p in files if p.parent == root]
        with self.poller.held() if self.poller is not None else nullcontext():
            keys += self._upload_files(root, config)
        return keys + self._upload_files(root, [p for p in files if p.parent != root])

    def _upload_files(self, root: Path, paths: list[Path]) -> list[str]:
        keys = []
        for path in paths:
            key = inbox_key(root, path)
            if key is not None:
                self.upload_file(key, path)
                keys.append(key)
        return keys

    def sync(self, path: Path) -> str | None:
        """Mirror one content file: upload it if it exists, delete its object if not."""
        key = inbox_key(self.options.content.resolve(), path)
        if key is None:
            return None
        if path.is_file():
            self.upload_file(key, path)
        else:
            self.delete(key)
        return key

    # -- queue state ---------------------------------------------------------------------

    def queue_depth(self, logical_id: str = "WorkQueue") -> int:
        names = [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_urls[logical_id], AttributeNames=names
        )["Attributes"]
        return sum(int(attributes.get(n, 0)) for n in names)

    def wait_drained(self, timeout: float = 60.0) -> bool:
        """Wait until every message was handled (deleted or moved to the DLQ)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.queue_depth() == 0:
                return True
            time.sleep(0.05)
        return False

    def feed_keys(self) -> Iterator[str]:
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.feeds_bucket):
            yield from (obj["Key"] for obj in page.get("Contents", ()))


class _MutedStdout:
    """sys.stdout that drops what one thread writes while `muted` is set in that thread.

    Powertools prints one EMF metrics line per invocation; in the console it would drown
    the one-line-per-change output. contextlib.redirect_stdout would also swallow what
    other threads print meanwhile, so the handler's thread alone is muted.
    (POWERTOOLS_METRICS_DISABLED is no help: it stops the flush, not the collection.)
    """

    def __init__(self, target: Any) -> None:
        self.target = target
        self.local = threading.local()

    def write(self, text: str) -> int:
        if getattr(self.local, "muted", False):
            return len(text)
        written: int = self.target.write(text)
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)

    def wrap(self, handler: Handler) -> Handler:
        def run(event: dict[str, Any], context: Any) -> Any:
            self.local.muted = True
            try:
                return handler(event, context)
            finally:
                self.local.muted = False

        return run


def _credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "aws_session_token": FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
    }
