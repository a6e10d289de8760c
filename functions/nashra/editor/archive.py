"""`nashra import CONTENT_DIR`: a newsroom's archive into the inbox, concurrently and
resumably.

    nashra import archive/ [--bucket B] [--endpoint URL] [--queue Q] [--workers 16]
                           [--upload-invalid]

1. The folder is read the way `nashra dev` reads one: `site.json` and `sections.json`
   (keys `config/…`) and every `articles/**/*.json` (`nashra.core.keys`). Articles are
   validated against the folder's config files, or the bucket's for one the folder lacks.
2. What the inbox already holds is listed once: one paginated ListObjectsV2 per prefix
   (1,000 keys a call), never a HEAD per file. A file whose MD5 equals the listed ETag is
   already there and is skipped: so a second run, after a failure or a Ctrl-C, uploads
   only what is missing or changed. The comparison holds because every file goes up in one
   PutObject (files are at most 1 MiB, B-1) into an SSE-S3 bucket, where the ETag is the
   MD5 of the bytes; a multipart ETag (`…-N`) never equals an MD5, so such an object is
   uploaded again, once.
3. Every other file is validated with the publisher's rules first (`nashra.editor.check`).
   A file with errors is reported and not uploaded; `--upload-invalid` uploads it anyway,
   so the pipeline's report on it lands in the inbox for `nashra status`. A file over
   1 MiB is never read whole nor uploaded: the publisher would refuse it unread (B-1).
4. The config goes first, one file at a time; then the articles, from a thread pool over
   one boto3 client (clients are thread-safe), with at most two files per worker in
   memory. botocore's standard retry mode retries throttling, 5xx and dropped
   connections; a file that still fails is counted and the import goes on, unless
   `STOP_AFTER` uploads in a row fail (a wrong permission, not bad luck). A Ctrl-C lets
   the uploads in flight finish (each PUT is all or nothing) and stops.
5. When anything was uploaded and the work queue is known (`--queue`,
   `$NASHRA_WORK_QUEUE`), one sweep is queued (`nashra.work.Sweep`, what `nashra sweep`
   sends). The upload events still arrive and publish the archive in batches; the work
   queue is one FIFO group (D2), so the sweep runs after the events sent before it.
   By then the index has seen almost every ETag, so the sweep costs one listing per
   1,000 keys, heals any key whose event was lost, and renders every feed once at its
   end: the import is complete when the sweep is, not when the hourly one comes round.

A summary (uploaded / already there / rejected locally / failed) ends the run; the exit
status is 0 when every file is in the inbox, 1 when any was rejected or failed, 2 when
nothing could start (no bucket, an invalid config, an unreadable listing) and 130 after a
Ctrl-C.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from nashra.adapters.errors import aws_errors
from nashra.adapters.local import etag, key_for
from nashra.adapters.s3 import S3Source
from nashra.core.decode import size_problem
from nashra.core.keys import (
    ARTICLE_GLOB,
    ARTICLES_PREFIX,
    CONFIG_FILES,
    CONFIG_PREFIX,
    SECTIONS_FILE,
    SITE_FILE,
    folder_key,
)
from nashra.core.problems import ConfigError, NashraError, NotFoundError, Problem, has_errors
from nashra.core.site import parse_sections, parse_site
from nashra.editor.progress import Progress
from nashra.publish import Config
from nashra.work import Sweep

WORKERS = 16  # concurrent PUTs: S3 takes thousands a second per prefix
STOP_AFTER = 50  # uploads failing in a row: stop, the cause is not one file
JSON_TYPE = "application/json; charset=utf-8"
Checker = Callable[[bytes, str, Config, datetime], tuple[Problem, ...]]


@dataclass(frozen=True)
class Upload:
    """One file of the archive and the key it goes to."""

    path: Path
    key: str


@dataclass
class Tally:
    """What an import did to each file."""

    total: int = 0
    uploaded: int = 0
    present: int = 0  # the inbox held these bytes already
    rejected: int = 0  # invalid: reported here, not uploaded
    failed: list[tuple[Upload, str]] = field(default_factory=list)
    warned: int = 0  # accepted, with warnings the pipeline's report will repeat
    interrupted: bool = False
    stopped: str = ""  # why the import stopped early, if it did

    @property
    def ok(self) -> bool:
        return not (self.rejected or self.failed or self.interrupted or self.stopped)

    def summary(self) -> str:
        left = self.total - self.uploaded - self.present - self.rejected - len(self.failed)
        line = (
            f"{self.uploaded} uploaded, {self.present} already there, "
            f"{self.rejected} rejected locally, {len(self.failed)} failed"
        )
        return line + (f", {left} not tried" if left else "")


def archive_files(root: Path) -> list[Upload]:
    """The config files, then every article in sorted order, with their inbox keys."""
    config = [Upload(root / n, folder_key(n)) for n in CONFIG_FILES if (root / n).is_file()]
    folder = root / ARTICLES_PREFIX
    found = folder.rglob(ARTICLE_GLOB) if folder.is_dir() else ()  # «Story.JSON» is rejected
    paths = sorted(p for p in found if p.is_file())
    return config + [Upload(p, key_for(root, p)) for p in paths]


def stored_etags(s3: Any, bucket: str, prefixes: tuple[str, ...]) -> dict[str, str]:
    """Key -> ETag (unquoted) of every object under `prefixes`: one paginated listing each."""
    found: dict[str, str] = {}
    with aws_errors():
        for prefix in prefixes:
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            for page in pages:
                found.update((o["Key"], o["ETag"].strip('"')) for o in page.get("Contents", ()))
    return found


def archive_config(root: Path, s3: Any, bucket: str) -> Config:
    """The site and sections to validate against: the folder's, or the bucket's for a file
    the folder lacks. Raises ConfigError naming what is wrong."""
    inbox = S3Source(s3, bucket)

    def raw(name: str) -> bytes:
        path = root / name
        found = path.read_bytes() if path.is_file() else inbox.read(folder_key(name))
        if found is None:
            message_en = f"{name} is neither in the folder nor in the inbox"
            message_ar = f"الملف {name} غير موجود في المجلد ولا في صندوق الوارد"
            raise ConfigError((Problem(name, "config-missing", message_en, message_ar),))
        return found

    site, sections = raw(SITE_FILE), raw(SECTIONS_FILE)
    return Config(site=parse_site(site), sections=parse_sections(sections))


@dataclass
class Importer:
    """Uploads one archive; `run` returns the tally (see the module docstring)."""

    s3: Any
    bucket: str
    config: Config
    check: Checker
    now: datetime
    workers: int = WORKERS
    upload_invalid: bool = False
    stop_after: int = STOP_AFTER
    say: Callable[[str], None] = print
    progress: Progress | None = None
    tally: Tally = field(default_factory=Tally)
    _in_a_row: int = 0

    def run(self, files: list[Upload], stored: dict[str, str]) -> Tally:
        self.tally.total = len(files)
        config = [f for f in files if f.key.startswith(CONFIG_PREFIX)]
        articles = [f for f in files if not f.key.startswith(CONFIG_PREFIX)]
        try:
            for upload, raw in self._ready(config, stored):
                self._finish(upload, self._put(upload, raw))
            if self.tally.failed or self.tally.rejected:  # articles need that config
                self.tally.stopped = "the site configuration is not in the inbox"
                return self.tally
            self._upload_all(self._ready(articles, stored))
        except KeyboardInterrupt:
            self.tally.interrupted = True
        return self.tally

    def _ready(self, files: list[Upload], stored: dict[str, str]) -> Iterator[tuple[Upload, bytes]]:
        """The files to upload, with their bytes, each read once; the rest are counted."""
        for upload in files:
            raw = self._read(upload)
            if raw is None:
                self._count(upload, "rejected")
            elif stored.get(upload.key) == etag(raw):
                self._count(upload, "present")
            elif self._valid(upload, raw):
                yield upload, raw
            else:
                self._count(upload, "rejected")

    def _read(self, upload: Upload) -> bytes | None:
        try:
            too_large = size_problem(upload.path.stat().st_size)
            if too_large is None:
                return upload.path.read_bytes()
        except OSError as error:
            reason = error.strerror or type(error).__name__
            self.say(f"{upload.path}: cannot read the file: {reason}; not uploaded")
            return None
        self.say(f"{upload.path}: {too_large.as_line()}")
        self.say(f"{upload.path}: not uploaded (over the size limit, even with --upload-invalid)")
        return None

    def _valid(self, upload: Upload, raw: bytes) -> bool:
        problems = self.check(raw, upload.key, self.config, self.now)
        if not has_errors(problems):
            self.tally.warned += bool(problems)
            return True
        for problem in problems:
            self.say(f"{upload.path}: {problem.as_line()}")
        if self.upload_invalid:
            self.say(f"{upload.path}: invalid, uploaded anyway (--upload-invalid)")
            return True
        self.say(f"{upload.path}: not uploaded")
        return False

    def _upload_all(self, ready: Iterator[tuple[Upload, bytes]]) -> None:
        """PUT from a pool, at most two files per worker in flight or waiting. On a stop or
        a Ctrl-C nothing new starts and the PUTs in flight finish (each is all or nothing),
        so the inbox holds whole files only and a second run resumes."""
        with ThreadPoolExecutor(self.workers, thread_name_prefix="nashra-import") as pool:
            pending: dict[Future[str | None], Upload] = {}
            stopping = True  # unless every file was handed to the pool
            try:
                for upload, raw in ready:
                    if len(pending) >= 2 * self.workers:
                        self._reap(pending, FIRST_COMPLETED)
                    if self.tally.stopped:
                        break
                    pending[pool.submit(self._put, upload, raw)] = upload
                stopping = bool(self.tally.stopped)
            finally:
                for future in pending if stopping else ():
                    future.cancel()  # only those not started yet
                self._reap(pending, ALL_COMPLETED)

    def _reap(self, pending: dict[Future[str | None], Upload], when: str) -> None:
        done, _ = wait(pending, return_when=when)
        for future in done:
            upload = pending.pop(future)
            if not future.cancelled():
                self._finish(upload, future.result())

    def _put(self, upload: Upload, raw: bytes) -> str | None:
        """One PutObject; the error's text when it failed after botocore's retries."""
        try:
            with aws_errors():
                self.s3.put_object(
                    Bucket=self.bucket, Key=upload.key, Body=raw, ContentType=JSON_TYPE
                )
        except NashraError as error:
            if isinstance(error, NotFoundError):  # no such bucket: nothing can succeed
                self.tally.stopped = str(error)
            return f"{type(error).__name__}: {error}"
        return None

    def _finish(self, upload: Upload, error: str | None) -> None:
        if error is None:
            self._in_a_row = 0
            self._count(upload, "uploaded")
            return
        self._in_a_row += 1
        self.tally.failed.append((upload, error))
        self.say(f"{upload.path}: not uploaded: {error}")
        if self.progress is not None:
            self.progress.advance()
        if self._in_a_row >= self.stop_after and not self.tally.stopped:
            self.tally.stopped = f"{self._in_a_row} uploads in a row failed; the last: {error}"

    def _count(self, upload: Upload, outcome: str) -> None:
        setattr(self.tally, outcome, getattr(self.tally, outcome) + 1)
        if self.progress is not None:
            self.progress.advance()


def queue_sweep(requeue: Any) -> str:
    """Queue one sweep (what `nashra sweep` sends); returns its run id."""
    sweep = Sweep(run=uuid.uuid4().hex)
    requeue.send([sweep])
    return sweep.run
