"""Publishing: reconcile changed inbox keys, then re-render the feeds they touched.

Every event means "key K changed": the publisher re-reads K's current bytes (None means
deleted), validates them, updates the index, and remembers which feeds moved. `flush()`
then renders each touched feed once from the index and writes only what changed. Because
the outcome depends on the inbox's current state and not on the event, duplicated or
reordered events leave the same feeds (docs/design.md, D3).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from nashra.core.article import Article
from nashra.core.intake import claimed_id, feeds_for, parse_article
from nashra.core.problems import ArticleTooLargeError, ConfigError, Problem
from nashra.core.site import Section, Site, feed_catalog, parse_sections, parse_site
from nashra.ports import ArticleSource, FeedStore, Index, Notifier, ReportStore, Requeue
from nashra.render import cache_control_for, content_type_for, render_feed, render_site_files

SITE_KEY = "config/site.json"
SECTIONS_KEY = "config/sections.json"
ARTICLES_PREFIX = "articles/"
REBUILD_ALL = "rebuild-all"

_CONFIG_UNAVAILABLE = Problem(
    "(config)",
    "config-unavailable",
    "the site configuration is missing or invalid; this upload is retried once it is fixed",
    "إعدادات الموقع مفقودة أو غير صالحة؛ ستُعاد معالجة هذا الملف بعد إصلاحها",
)


def _internal_problem(exc: Exception) -> Problem:
    detail = f"{type(exc).__name__}: {exc}"
    return Problem(
        "(file)",
        "internal",
        f"nashra could not check this file ({detail}); please tell the team",
        f"تعذّر على نشرة فحص هذا الملف ({detail})؛ يُرجى إبلاغ الفريق التقني",
    )


Status = Literal["published", "draft", "deleted", "rejected", "ignored", "config", "rebuild"]


@dataclass(frozen=True)
class Outcome:
    """What reconciling one key did."""

    key: str
    status: Status
    article_id: str | None = None
    feeds: frozenset[str] = frozenset()
    problems: tuple[Problem, ...] = ()


@dataclass
class FlushReport:
    """What one render pass wrote."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Set when the site config is missing or invalid: nothing was rendered. The index is up
    # to date, and the config fix re-renders every feed (its report tells the editor).
    config_problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Config:
    site: Site
    sections: tuple[Section, ...]


class Publisher:
    """Reconciles inbox keys into the index and renders touched feeds.

    >>> # publisher = Publisher(source=..., index=..., store=..., reports=..., clock=now)
    >>> # publisher.reconcile("articles/x.json"); publisher.flush()
    """

    def __init__(
        self,
        *,
        source: ArticleSource,
        index: Index,
        store: FeedStore,
        reports: ReportStore,
        clock: Callable[[], datetime],
        notifier: Notifier | None = None,
        requeue: Requeue | None = None,
    ) -> None:
        self.source, self.index, self.store, self.reports = source, index, store, reports
        self.notifier = notifier
        self.requeue = requeue
        self.clock = clock
        self._config: Config | None = None
        self._touched: set[str] = set()
        self._everything = False

    # -- configuration -------------------------------------------------------------------

    @property
    def config(self) -> Config:
        """The site and sections, read once per batch (a config change resets it)."""
        if self._config is None:
            self._config = Config(
                site=parse_site(self._read_config(SITE_KEY)),
                sections=parse_sections(self._read_config(SECTIONS_KEY)),
            )
        return self._config

    def _read_config(self, key: str) -> bytes:
        raw = self.source.read(key)
        if raw is None:
            raise ConfigError(
                (
                    Problem(
                        key,
                        "config-missing",
                        f"{key} does not exist in the inbox",
                        f"الملف {key} غير موجود",
                    ),
                )
            )
        return raw

    # -- reconcile -----------------------------------------------------------------------

    def reconcile(self, key: str) -> Outcome:
        """Bring the index in line with the current state of inbox object `key`."""
        if key == REBUILD_ALL:
            self._config, self._everything = None, True
            return Outcome(key, "rebuild")
        if key in (SITE_KEY, SECTIONS_KEY):
            return self._reconcile_config(key)
        if not (key.startswith(ARTICLES_PREFIX) and key.endswith(".json")):
            return Outcome(key, "ignored")
        raw = self.source.read(key)
        if raw is None:
            return self._forget(key)
        return self._accept(key, raw)

    def _reconcile_config(self, key: str) -> Outcome:
        self._config = None
        try:
            _ = self.config
        except ConfigError as exc:
            self._report(key, exc.problems)
            return Outcome(key, "rejected", problems=exc.problems)
        for config_key in (SITE_KEY, SECTIONS_KEY):  # one may have failed for want of the other
            self.reports.delete_report(config_key)
        self._everything = True
        if self.requeue is not None:
            # What intake derived from the old config (default URLs, slugs, the zone of
            # naive dates, section checks) must be derived again for every article. Each
            # goes back to the queue as its own message: one batch could not do them all
            # within the function's timeout, and the FIFO group keeps them in order.
            self.requeue.reconcile_later(list(self.source.list_keys(ARTICLES_PREFIX)))
        else:
            # Uploads rejected under the old config (an unknown section, or no config at
            # all yet) may be valid now: reconcile them again rather than wait for a
            # re-upload. (`nashra build` reconciles every article after the config anyway.)
            self._retry(k for k, _ in self.index.rejected())
        return Outcome(key, "config")

    def _retry(self, keys: Iterable[str]) -> None:
        for key in list(keys):
            self.reconcile(key)

    def _release(self, article_id: str) -> None:
        """`article_id` is free again: retry the uploads rejected for claiming it."""
        self._retry(k for k, waiting in self.index.rejected() if waiting == article_id)

    def _forget(self, key: str) -> Outcome:
        if self.reports.delete_report(key):
            self.index.clear_rejected(key)
        gone = self.index.find_by_key(key)
        if gone is None:
            return Outcome(key, "deleted")
        self.index.remove(gone)
        touched = feeds_for(gone)
        self._touched |= touched
        self._release(gone.id)
        return Outcome(key, "deleted", gone.id, touched)

    def _accept(self, key: str, raw: bytes) -> Outcome:
        try:
            cfg = self.config
        except ConfigError as exc:
            return self._reject(key, (*exc.problems, _CONFIG_UNAVAILABLE))
        try:
            result = parse_article(
                raw, key=key, site=cfg.site, sections=cfg.sections, now=self.clock()
            )
        except Exception as exc:  # a validator bug must not stall the queue
            # Retrying cannot help a deterministic failure, and in the single FIFO group a
            # retried record blocks every upload behind it: report it and move on.
            return self._reject(key, (_internal_problem(exc),))
        article = result.article
        if article is None:
            return self._reject(key, result.problems)
        previous = self.index.get(article.id)
        clash = self._id_clash(key, previous)
        if clash is not None:
            return self._reject(key, (*result.problems, clash), waiting_for=article.id)
        feeds = feeds_for(article)
        try:
            self._store(key, article, feeds, previous)
        except ArticleTooLargeError as exc:
            return self._reject(key, (*result.problems, *exc.problems))
        self._after_accept(key, result.problems)
        status: Status = "draft" if article.status == "draft" else "published"
        return Outcome(key, status, article.id, feeds, result.problems)

    def _store(
        self, key: str, article: Article, feeds: frozenset[str], previous: Article | None
    ) -> None:
        stale = self.index.find_by_key(key)
        moved = stale is not None and stale.id != article.id
        if stale is not None and moved:
            # The file now claims another id: its old article leaves every feed.
            self.index.remove(stale)
            self._touched |= feeds_for(stale)
        if previous != article:
            self.index.save(article, feeds, previous)
            self._touched |= feeds | (feeds_for(previous) if previous else frozenset())
        if stale is not None and moved:
            self._release(stale.id)

    def _reject(
        self, key: str, problems: tuple[Problem, ...], waiting_for: str | None = None
    ) -> Outcome:
        self._report(key, problems)
        self.index.note_rejected(key, waiting_for)
        return Outcome(key, "rejected", problems=problems)

    def _after_accept(self, key: str, problems: tuple[Problem, ...]) -> None:
        if problems:
            self._report(key, problems)  # warnings only: the editor still hears about them
            self.index.clear_rejected(key)
        elif self.reports.delete_report(key):
            self.index.clear_rejected(key)

    def _id_clash(self, key: str, owner: Article | None) -> Problem | None:
        """Two files claiming one id: the one already published keeps it (docs/design.md)."""
        if owner is None or owner.key == key:
            return None
        # The owner keeps the id only while its file exists and still claims it.
        raw = self.source.read(owner.key)
        if raw is None or claimed_id(raw, owner.key) not in (None, owner.id):
            return None
        return Problem(
            "id",
            "id-taken",
            f"id {owner.id!r} is already used by {owner.key}; this file is {key}",
            f"المعرّف {owner.id!r} مستخدم في الملف {owner.key}؛ وهذا الملف هو {key}",
        )

    def _report(self, key: str, problems: Sequence[Problem]) -> None:
        body = {
            "key": key,
            "accepted": not any(p.severity == "error" for p in problems),
            "problems": [p.as_dict() for p in problems],
        }
        data = json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        self.reports.put_report(key, data)

    # -- render --------------------------------------------------------------------------

    def touch_all(self) -> None:
        """Mark every feed for re-rendering (a full rebuild)."""
        self._everything = True

    def flush(self) -> FlushReport:
        """Render each touched feed once from the index; write only changed bytes."""
        report = FlushReport()
        if not (self._touched or self._everything):
            return report
        try:
            cfg = self.config
        except ConfigError as exc:
            # A broken config must not fail the batch (deletes, the hourly rebuild): that
            # would retry it into the DLQ while the fix waits behind it in the FIFO group.
            self._touched, self._everything = set(), False
            report.config_problems = exc.problems
            return report
        specs = feed_catalog(cfg.site, cfg.sections)
        wanted = {s.slug for s in specs} if self._everything else self._touched
        files: dict[str, bytes] = {}
        for spec in specs:
            if spec.slug in wanted:
                articles = self.index.newest(spec.slug, cfg.site.items_per_feed)
                files.update(render_feed(cfg.site, spec, articles))
        if self._everything:
            files.update(render_site_files(cfg.site, specs))
        for path in sorted(files):
            changed = self.store.write(
                path, files[path], content_type_for(path), cache_control_for(path)
            )
            (report.written if changed else report.unchanged).append(path)
        self._touched, self._everything = set(), False
        self._notify(cfg.site, report.written)
        return report

    def _notify(self, site: Site, written: Iterable[str]) -> None:
        if self.notifier is not None:
            urls = [f"{site.feeds_url}/{p}" for p in written if not p.endswith((".html", ".xsl"))]
            if urls:
                self.notifier.feeds_changed(urls)

    def publish(self, keys: Iterable[str]) -> tuple[list[Outcome], FlushReport]:
        """Reconcile every key, then flush once."""
        outcomes = [self.reconcile(k) for k in keys]
        return outcomes, self.flush()
