"""Publishing: reconcile changed inbox keys, then re-render the feeds they touched.

Every message means "key K changed" (or "rebuild everything", `nashra.work`): the publisher
re-reads K's current bytes (None means deleted), validates them, updates the index, and
remembers which feeds moved. `flush()` then renders each touched feed once from the index
and writes only what changed. Because the outcome depends on the inbox's current state and
not on the message, duplicated or reordered messages leave the same feeds (docs/design.md,
D3).

Reconciling one key can reconcile others: a config change retries every rejected upload,
a deleted or renamed article frees its id for the file waiting for it. Those nested
outcomes are returned too, right after the outcome that caused them, so whoever logs,
counts or prints outcomes sees every article that changed.

What the keys of a batch need is read ahead, a window at a time, side by side
(`nashra.lookahead`); each key is then decided in order, and what it changed in the index
(its article, its rejection, the ETag it was reconciled at) is one commit. The flush reads
the touched feeds side by side in two rounds of calls (each feed's newest with the archive
states, then each feed's range and marks, D12; the files' checks ride along), renders them
one after another (FG-19) and writes the files side by side. Outcomes, index writes and
files do not depend on which call answers first.

A full batch from the work queue means more are waiting (a newsroom importing its
archive): its feeds are not rendered but recorded as deferred, and one render request is
queued behind the waiting messages (`nashra.work.Render`). While the backlog lasts, feeds
are rendered at most every `DEFER_INTERVAL`; the request, or the first batch that is not
full, renders every deferred feed once. So an import renders each feed a bounded number of
times, not once per batch.

Validating (`core.intake`, `core.site`: pydantic) and rendering (`nashra.render`) are
imported where they are first used, not with this module: a publisher is built, and a
batch that reads no article (foreign messages, a due tick with nothing due) runs, without
them; the first batch that needs them pays their import (D15).
"""

from __future__ import annotations

import heapq
import json
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Literal, NamedTuple, TypeVar

from nashra.core.decode import MAX_DOCUMENT_BYTES as LIMIT
from nashra.core.keys import (
    CONFIG_KEYS,
    MAX_INPUT_KEY_BYTES,
    SECTIONS_KEY,
    SITE_KEY,
    feed_file,
    is_archive_name,
    is_reconciled_key,
    key_bytes,
    report_key,
)
from nashra.core.problems import (
    ConfigError,
    InputError,
    Problem,
    internal_problem,
    is_retried,
    printable,
)
from nashra.history import ARCHIVE_PAGE_SIZE, Archive, Farm, Reading
from nashra.lookahead import (
    REPORTS_AHEAD,
    WINDOW,
    WORKERS,
    Attempt,
    Lookahead,
    Pool,
    config_bytes,
    expect,
    wants_config,
)
from nashra.ports import (
    ArticleSource,
    AskRederive,
    Change,
    ClearRejected,
    Deferred,
    FeedStore,
    ForgetSeen,
    Index,
    Indexed,
    MarkSeen,
    NoteRejected,
    Notifier,
    Place,
    Remove,
    ReportStore,
    Requeue,
    Save,
    Seen,
    SetDeferred,
)
from nashra.schedule import is_due, published_now, schedule_changes
from nashra.sweep import SWEEP_CHUNK, plan_chunk, stale_config
from nashra.work import Due, KeyChanged, Message, RebuildAll, Render, Sweep

if TYPE_CHECKING:
    from nashra.core.article import Article
    from nashra.core.intake import IntakeResult
    from nashra.core.site import FeedSpec, Section, Site
    from nashra.render import RenderedFeed

# The work queue's batch size (template.yaml, BatchSize): a batch this full means more
# messages are waiting behind it.
FULL_BATCH = 10
# While a backlog lasts, deferred feeds are rendered at most this often.
DEFER_INTERVAL = timedelta(seconds=30)

_CONFIG_UNAVAILABLE = Problem(
    "(config)",
    "config-unavailable",
    "the site configuration is missing or invalid; this upload is retried once it is fixed",
    "إعدادات الموقع مفقودة أو غير صالحة؛ ستُعاد معالجة هذا الملف بعد إصلاحها",
)


Status = Literal[
    "published",  # accepted, in its feeds
    "draft",  # accepted, in no feed
    "scheduled",  # accepted, in no feed until its `published` (B-20)
    "deleted",  # gone from the inbox, gone from every feed
    "rejected",  # a report says why; its last good version (if any) stays published
    "unchanged",  # the bytes the index last saw (same ETag): nothing read, nothing rendered
    "ignored",  # not a key nashra reads
    "config",  # a new site configuration: every feed re-rendered, every article re-derived
    "rebuild",  # every feed re-rendered
    "render",  # a render request: the feeds busy batches deferred
    "sweep",  # one chunk of a sweep (`healed`: keys whose events were lost)
    "due",  # a due tick: the scheduled keys whose time has come follow it
]


# Validates one file's bytes into an article (`core.intake.parse_article`). `nashra build`
# passes one that answers from results computed ahead on every core, or cached from an
# earlier build; the answer must be what `parse_article` gives for the same arguments.
Intake = Callable[..., "IntakeResult"]


@dataclass(frozen=True)
class Outcome:
    """What reconciling one key did."""

    key: str
    status: Status
    article_id: str | None = None
    feeds: frozenset[str] = frozenset()
    problems: tuple[Problem, ...] = ()
    healed: int = 0  # a sweep chunk: keys out of step with the index (lost events) …
    healed_gone: int = 0  # … of which the index had but the inbox no longer has


@dataclass
class FlushReport:
    """What one render pass wrote."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # feeds of removed sections
    # Feeds that could not be rendered (a bug, not an article: articles that cannot be
    # rendered are left out with a report), or notes that could not be stored:
    # (feed slug or report key, error). A feed's last files stay live.
    failed: list[tuple[str, str]] = field(default_factory=list)
    # Set when the site config is missing or invalid: nothing was rendered. The index is up
    # to date, and the config fix re-renders every feed (its report tells the editor).
    config_problems: tuple[Problem, ...] = ()
    # Feeds this batch touched but left for a render request (the queue had a backlog).
    deferred: list[str] = field(default_factory=list)


class Published(NamedTuple):
    """What one batch did: every outcome, nested ones included, in order; then the flush."""

    outcomes: list[Outcome]
    flush: FlushReport


@dataclass(frozen=True)
class Config:
    site: Site
    sections: tuple[Section, ...]


def read_config(source: ArticleSource | Callable[[str], bytes | None]) -> Config:
    """The site and sections from the inbox (or from a reader of its files); raises
    ConfigError naming what is wrong in either file, both read, so one report says all."""
    from nashra.core.site import parse_sections, parse_site

    read = source if callable(source) else partial(_bounded_config, source)
    problems: list[Problem] = []
    try:
        site = parse_site(_read_config(read, SITE_KEY))
    except ConfigError as exc:
        problems += exc.problems
    try:
        sections = parse_sections(_read_config(read, SECTIONS_KEY))
    except ConfigError as exc:
        problems += exc.problems
    if problems:
        raise ConfigError(tuple(problems))
    return Config(site=site, sections=sections)


def _bounded_config(source: ArticleSource, key: str) -> bytes | None:
    return config_bytes(key, source.fetch(key, LIMIT))


def _read_config(read: Callable[[str], bytes | None], key: str) -> bytes:
    raw = read(key)
    if raw is None:
        problem = Problem(
            key, "config-missing", f"{key} does not exist in the inbox", f"الملف {key} غير موجود"
        )
        raise ConfigError((problem,))
    return raw


def _report_body(key: str, problems: Sequence[Problem], scheduled: datetime | None = None) -> bytes:
    """The JSON report on upload `key` that editors read (`reports/<key>`); an accepted
    article that is scheduled says when (RFC 3339, `nashra status` lists it)."""
    body: dict[str, object] = {
        "key": printable(key),
        "accepted": not any(p.severity == "error" for p in problems),
        "problems": [p.as_dict() for p in problems],
    }
    if scheduled is not None:
        from nashra.core.dates import format_rfc3339

        body["scheduled"] = format_rfc3339(scheduled)
    return json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def parse_article(
    raw: bytes, *, key: str, site: Site, sections: tuple[Section, ...], now: datetime
) -> IntakeResult:
    """`core.intake.parse_article`, imported when the first article is validated."""
    from nashra.core.intake import parse_article as parse

    return parse(raw, key=key, site=site, sections=sections, now=now)


_T = TypeVar("_T")


def _guard(report: FlushReport, name: str, render: Callable[[], _T]) -> _T | None:
    """The failure boundary around one feed: a deterministic failure leaves that feed's
    last good files live and is named in the flush report; the other feeds publish."""
    try:
        return render()
    except Exception as exc:
        if is_retried(exc):
            raise
        report.failed.append((name, f"{type(exc).__name__}: {exc}"[:300]))
        return None


class _Step(NamedTuple):
    """One step of a feed's render (`Archive.steps`): the place of the document it renders
    next (None: past every place), or, once done, the feed's files."""

    done: bool
    place: Place | None = None
    rendered: RenderedFeed | None = None


def _next_step(steps: Generator[Place | None, None, RenderedFeed]) -> _Step:
    try:
        return _Step(False, next(steps))
    except StopIteration as finished:
        return _Step(True, rendered=finished.value)


# Articles whose entries a flush keeps for the other feeds that hold them (`shared_entries`):
# in the order `_render_feeds` renders, an article's feeds follow each other within a
# section page's span (50 of the section's articles), so this covers any section with
# more than 1 in 40 of the site's articles; the others convert theirs again. A typical
# article's entry and its two items hold about 20 KB (40 MB for 2,048); `SHARED_BYTES`
# bounds what they hold when articles are large (a Lambda batch publishing 1 MiB articles:
# about ten of them, `bench/memory.py`).
SHARED_ENTRIES = 2048
SHARED_BYTES = 64 << 20


class Publisher:
    """Reconciles inbox keys into the index and renders touched feeds.

    One publisher serves one batch: it caches the config, what it read ahead and the set of
    touched feeds, so it is never reused across batches. Its collaborators all come in
    here; `nashra build` passes folder and memory adapters, the Lambda handler S3, DynamoDB
    and SQS ones. `workers` bounds the calls made side by side (1: one at a time);
    `writers`, if given, bounds the feed files written side by side instead (`nashra build`
    reads from memory in its own thread, and writes files while it renders the next ones);
    `farm` seals some archive pages elsewhere (`nashra build`'s other core).
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
        new_run: Callable[[], str] = lambda: uuid.uuid4().hex,
        sweep_chunk: int = SWEEP_CHUNK,
        intake: Intake | None = None,
        workers: int = WORKERS,
        writers: int | None = None,
        archive_page: int = ARCHIVE_PAGE_SIZE,
        farm: Farm | None = None,
    ) -> None:
        self.source, self.index, self.store, self.reports = source, index, store, reports
        self.notifier = notifier
        self.requeue = requeue
        self.clock = clock
        self.new_run = new_run  # names a sweep or a render request this publisher starts
        self.sweep_chunk = sweep_chunk  # keys per sweep chunk (one listing page)
        self.intake = intake  # None: `parse_article`, looked up when used
        self.pool = Pool(workers)
        self.writes = self.pool if writers is None else Pool(writers)  # feed files
        self._archive = Archive(index, store, archive_page, self.pool, self.writes, farm)  # D12
        self._ahead = Lookahead(source, index, reports, self.pool)
        self._expected: dict[str, int] = {}  # keys this batch will reconcile -> position
        self._order: list[str] = []  # the same keys, in order
        self._backlog = False  # a full batch: more messages wait behind it
        self._config: Config | None = None
        self._touched: set[str] = set()
        self._everything = False
        self._render_asked = False  # a render request: the deferred feeds are due
        self._nested: list[Outcome] = []  # outcomes caused by the key being reconciled
        # What the key being reconciled changed in the index, committed at once; the ETag
        # it was reconciled at goes with the last commit, so a failure before it leaves
        # the key to be reconciled again.
        self._pending: list[Change] = []
        self._closing: Change | None = None
        # Messages for later batches, sent at the very end of `flush`: a batch that fails
        # before then is retried without having queued them, so a retry never queues a
        # second copy after SQS's five-minute deduplication window (the visibility timeout
        # is longer) and a sweep never runs twice.
        self._outbox: list[Message] = []
        self._rederive = False  # a config change asked for a re-deriving sweep
        # The run of the re-deriving sweep this batch asked for, recorded with the config's
        # ETag once the sweep is queued (`AskRederive`), so a lost sweep is done again.
        self._asked: str | None = None
        self._config_in_hand: set[str] = set()  # config keys reconciled in this batch
        # The ETags of config files whose change asked for a re-deriving sweep: marked seen
        # once the sweep is queued (`flush`), not with the key (`_reconcile`).
        self._config_seen: list[Change] = []

    # -- configuration -------------------------------------------------------------------

    @property
    def config(self) -> Config:
        """The site and sections, read once per batch (a config change resets it). A
        config that reads clean has no report on either file: one the batch knows of is
        left from a time it was broken (an editor put back the bytes the index had seen,
        so no config event changes anything) and is deleted."""
        if self._config is None:
            self._config = read_config(self._ahead.config_file)
            for key in CONFIG_KEYS:
                if self._ahead.has_report(key):
                    self._delete_report(key)
        return self._config

    # -- reconcile -----------------------------------------------------------------------

    def prepare(self, messages: Iterable[Message | str], *, backlog: bool = False) -> None:
        """Note the keys the batch's messages name, so they are read ahead a window at a
        time as they come up. `backlog`: the batch was full, so more messages wait behind
        it and its feeds may be deferred (only with a work queue to ask for the render)."""
        keys: list[str] = []
        for message in messages:
            if isinstance(message, str):
                keys.append(message)
            elif isinstance(message, KeyChanged):
                keys += message.readings()
        self._expect(keys)
        self._backlog = backlog

    def _expect(self, keys: Iterable[str]) -> None:
        for key in keys:
            if key not in self._expected and is_reconciled_key(key):
                self._expected[key] = len(self._order)
                self._order.append(key)

    def _read_ahead(self, key: str) -> None:
        """Unless `key` was read ahead already, read ahead the window of expected keys
        that starts at it (or `key` alone, when it was not expected)."""
        if self._ahead.was_read_ahead(key):
            return
        at = self._expected.get(key)
        window = [key] if at is None else self._order[at : at + WINDOW]
        upcoming = () if at is None else self._order[at + WINDOW : at + REPORTS_AHEAD]
        self._ahead.prefetch(
            window,
            config=self._config is None and wants_config(window),
            deferred=self.requeue is not None,
            upcoming=upcoming,
        )

    def apply(self, message: Message | str) -> list[Outcome]:
        """Reconcile one message (a bare string is a changed key). Returns its outcome
        first, then the outcomes of every key it caused to be reconciled, in order."""
        if isinstance(message, RebuildAll):
            self._config, self._everything = None, True
            return [Outcome("(rebuild-all)", "rebuild")]
        if isinstance(message, Render):
            self._render_asked = True
            return [Outcome(f"(render {message.run})", "render")]
        if isinstance(message, Sweep):
            return self._sweep(message)
        if isinstance(message, Due):
            return [Outcome(f"(due {message.at or 'now'})", "due"), *self._reconcile_due()]
        if isinstance(message, str):
            return self.reconcile_key(message)
        return [o for key in message.readings() for o in self.reconcile_key(key)]

    def reconcile_key(self, key: str, *, force: bool = False) -> list[Outcome]:
        """Reconcile inbox key `key`: its outcome, then those it caused. `force` reads the
        key even when the index has seen its current ETag (a re-derive, a retry)."""
        outer, self._nested = self._nested, []
        staged, self._pending, self._closing = (self._pending, self._closing), [], None
        try:
            first = self._reconcile_within_bounds(key, force)
            return [first, *self._nested]
        finally:
            self._nested = outer
            self._pending, self._closing = staged

    def _sweep(self, sweep: Sweep) -> list[Outcome]:
        """One chunk of a sweep (`nashra.sweep`), then the next: queued as its own message
        when there is a work queue, else right away (`nashra build`, tests). The last
        chunk renders every feed, which also heals feeds deleted or damaged by hand."""
        outcomes: list[Outcome] = []
        current: Sweep | None = sweep
        while current is not None:
            chunk, following = self._sweep_chunk(current)
            outcomes += chunk
            if following is not None and self.requeue is not None:
                self._outbox.append(following)  # sent once the batch's feeds are written
                following = None
            current = following
        return outcomes

    def _sweep_chunk(self, sweep: Sweep) -> tuple[list[Outcome], Sweep | None]:
        """Reconcile the keys of one chunk that are out of step with the index (all of
        them when re-deriving); the config keys are checked first, with the first chunk:
        if one changed, this sweep re-derives from the start instead of queuing another."""
        outcomes, healed = [], 0
        if not sweep.after:
            outcomes += self._reconcile_due()  # a lost due tick is healed here too (D13)
            outcomes += self._retry_freed()
            config = stale_config(self.source, self.index)
            healed = len(config)
            for key in config:
                outcomes += self.reconcile_key(key, force=True)
            sweep = self._take_rederive(sweep)
        plan = plan_chunk(
            self.source, self.index, sweep.after, rederive=sweep.rederive, size=self.sweep_chunk
        )
        self._expect(plan.keys)
        for key in plan.keys:
            outcomes += self.reconcile_key(key, force=True)
        label = f"(sweep {sweep.run or 'now'} after {sweep.after!r})"
        summary = Outcome(label, "sweep", healed=plan.healed + healed, healed_gone=plan.gone)
        outcomes.insert(0, summary)
        if plan.next_after is None:
            self._everything = True
            if sweep.rederive:  # every key is derived again: the ask is answered
                if self._asked == sweep.run:
                    self._asked = None  # asked in this very batch: never written
                else:
                    self.index.hand_rederive(sweep.run, None)
            return outcomes, None
        return outcomes, Sweep(plan.next_after, sweep.rederive, sweep.run)

    def _take_rederive(self, sweep: Sweep) -> Sweep:
        """The sweep, re-deriving from the start when a config change asks for it: one
        reconciled in this chunk, or one whose re-deriving sweep no sweep has finished (it
        may still be on its way, or dead-lettered, or its next chunk's queueing failed for
        good). This sweep takes over that ask, so the lost one is done again; the config's
        ETag is seen by then, so nothing else would ever re-derive. One read of the ask."""
        asked = self.index.rederive_asked()
        if asked is not None and asked != sweep.run:
            self.index.hand_rederive(asked, sweep.run)
        if self._rederive:  # asked with the config's ETag at the end of the batch
            self._rederive, self._asked = False, sweep.run
        # An ask of its own run: this chunk again, after a failure once it took the ask over.
        if asked is not None or self._asked == sweep.run:
            return Sweep("", True, sweep.run)
        return sweep

    def _retry_freed(self) -> list[Outcome]:
        """Reconcile, forced, every upload rejected for an id that no other file holds now.
        Its retry follows the change that freed the id (`_release`), once that change is
        written; a batch failing between the two (a transient failure in the retry) comes
        back to a freeing file whose change the index already has, so nothing frees the id
        again, and no event comes for the waiting file: the sweep's first chunk retries it.
        One read of the rejections, and one lookup of the ids they wait for."""
        waiting = [(key, held) for key, held in self.index.rejected() if held is not None]
        if not waiting:
            return []
        ids = sorted({held for _, held in waiting})
        found = self.index.lookup((), ids, deferred=False).articles
        freed = []
        for key, held in waiting:
            owner = found.get(held)
            if owner is None or owner.article.key == key:
                freed.append(key)
        self._expect(freed)
        return [outcome for key in freed for outcome in self.reconcile_key(key, force=True)]

    def _reconcile_due(self) -> list[Outcome]:
        """Reconcile, forced, every scheduled key whose time has come (`nashra.schedule`):
        intake now accepts its article as published. A key whose file is now rejected
        keeps its last good version, which is published at its time instead."""
        from nashra.core.site import feeds_for

        now = self.clock()
        keys = list(dict.fromkeys(entry.key for entry in self.index.due(now)))
        self._expect(keys)
        outcomes: list[Outcome] = []
        for key in keys:
            reconciled = self.reconcile_key(key, force=True)
            outcomes += reconciled
            held = self._ahead.find_by_key(key)
            if reconciled[0].status == "rejected" and held and is_due(held.article, now):
                article = published_now(held.article)
                self._stage(Save(article, feeds_for(article), held))
                self._touched |= feeds_for(article)
                self._commit()
                outcomes.append(Outcome(key, "published", article.id, feeds_for(article)))
        return outcomes

    def _reconcile_within_bounds(self, key: str, force: bool) -> Outcome:
        """The one failure boundary per file: whatever goes wrong with this key becomes a
        report on it, and the rest of the batch goes on. Only failures a retry may fix
        (`is_retried`: AWS throttling, timeouts, connections) propagate, so the record is
        retried; a deterministic failure retried would block the single FIFO group until
        the DLQ, with every upload behind it."""
        try:
            return self._reconcile(key, force)
        except Exception as exc:
            self._pending, self._closing = [], None  # nothing of it was written
            if is_retried(exc):
                raise
            if isinstance(exc, InputError) and exc.problems:  # e.g. storage refused it
                outcome = self._reject(key, exc.problems)
            else:
                outcome = self._reject(key, (internal_problem(exc),))
            self._commit()
            return outcome

    def _reconcile(self, key: str, force: bool) -> Outcome:
        """Bring the index in line with the current state of inbox object `key`: one GET
        of at most 1 MiB (B-1), then nothing more when its ETag is the one the index has
        seen; else one index commit with the ETag."""
        if not is_reconciled_key(key):
            return Outcome(key, "ignored")
        read_at = self._ahead.read_at(key)
        if not force and read_at is not None and self._ahead.seen(key) == Seen(key, read_at):
            return Outcome(key, "unchanged")  # read already in this batch, and seen
        self._read_ahead(key)
        fetched = self._ahead.fetch(key)
        if fetched is None:
            if self._ahead.seen(key) is not None:
                self._closing = ForgetSeen(key)
            outcome = self._reconcile_config(key) if key in CONFIG_KEYS else self._forget(key)
            self._commit()
            return outcome
        seen = Seen(key, fetched.etag)
        if not force and self._ahead.seen(key) == seen:
            return Outcome(key, "unchanged")
        self._closing = MarkSeen(seen)
        if key in CONFIG_KEYS:
            outcome = self._reconcile_config(key)
            if outcome.status == "config" and self.requeue is not None:
                # The re-deriving sweep this change asked for is queued at the end of the
                # flush. Were the new bytes seen now, a batch failing before then (a feed
                # write or the queueing failing transiently) would come back to a config
                # it finds unchanged, and no sweep would ever re-derive: an upload
                # rejected for a section the change added would stay rejected for good.
                # Unseen, the retry (or the next sweep, if the batch is dead-lettered)
                # reconciles the change again.
                self._config_seen.append(self._closing)
                self._closing = None
        # Over 1 MiB: rejected on the size S3 gives, never read whole (B-1).
        elif fetched.body is None or fetched.size > LIMIT:
            from nashra.core.intake import oversize_problems

            outcome = self._reject(key, oversize_problems(key, fetched.size))
        else:
            outcome = self._accept(key, fetched.body)
        self._commit()
        return outcome

    def _stage(self, change: Change) -> None:
        self._pending.append(change)
        self._pending += schedule_changes(change)  # the schedule follows its articles (D13)

    def _commit(self, *, closing: bool = True) -> None:
        """Write what the key changed so far in one index commit; with `closing`, the
        ETag it was reconciled at goes with it."""
        changes = list(self._pending)
        if closing and self._closing is not None:
            changes.append(self._closing)
        if not changes:
            return
        self.index.commit(changes)
        self._ahead.applied(changes)
        self._pending = []
        if closing:
            self._closing = None

    def _reconcile_config(self, key: str) -> Outcome:
        self._config_in_hand.add(key)
        self._config = None
        try:
            _ = self.config
        except ConfigError as exc:
            self._report(key, exc.problems)
            return Outcome(key, "rejected", problems=exc.problems)
        for config_key in CONFIG_KEYS:  # one may have failed for want of the other
            self._delete_report(config_key)
        self._everything = True
        if self.requeue is not None:
            # What intake derived from the old config (default URLs, slugs, the zone of
            # naive dates, section checks) must be derived again for every article: a
            # re-deriving sweep, one chunk per message, so no invocation does them all.
            # One per batch, however many config keys changed (sent with the outbox).
            self._rederive = True
        else:
            # Uploads rejected under the old config (an unknown section, or no config at
            # all yet) may be valid now: reconcile them again rather than wait for a
            # re-upload. (`nashra build` reconciles every article after the config anyway.)
            self._retry(lambda: [k for k, _ in self.index.rejected()])
        return Outcome(key, "config")

    def _intake_config(self) -> Config:
        """The config an article is validated under, once the index has seen it. A config
        file whose bytes in the inbox the index has not reconciled (its event lost, late or
        dead-lettered) is reconciled first: else an article derived under it stays so when
        an editor restores the file's earlier bytes, for that event and every sweep find
        the ETag the index has seen, and no re-deriving sweep ever comes (a story rejected
        for good under a broken site.json that was put back, or dated in another zone).
        Reconciling it reports a broken file, or queues the re-deriving sweep."""
        try:
            config, broken = self.config, None
        except ConfigError as exc:  # read all the same: the ETags are known
            config, broken = None, exc
        stale = [k for k in self._ahead.unseen_config() if k not in self._config_in_hand]
        for config_key in stale:  # (the key being reconciled is seen once it is done)
            self._nested.extend(self.reconcile_key(config_key, force=True))
        if stale:
            return self.config
        if config is None:
            raise broken or ConfigError(())
        return config

    def _retry(self, keys: Callable[[], list[str]]) -> None:
        """Reconcile again the keys `keys` names once what this key changed so far is
        written (they read the index as it now is), reading them ahead in windows."""
        self._commit(closing=False)
        waiting = keys()
        self._expect(waiting)
        for key in waiting:
            self._nested.extend(self.reconcile_key(key, force=True))

    def _release(self, article_id: str) -> None:
        """`article_id` is free again: retry the uploads rejected for claiming it."""
        self._retry(lambda: [k for k, waiting in self.index.rejected() if waiting == article_id])

    def _forget(self, key: str) -> Outcome:
        if self._delete_report(key):
            self._stage(ClearRejected(key))
        gone = self._ahead.find_by_key(key)
        if gone is None:
            return Outcome(key, "deleted")
        self._stage(Remove(gone))
        from nashra.core.site import feeds_for

        touched = feeds_for(gone.article)
        self._touched |= touched
        self._release(gone.article.id)
        return Outcome(key, "deleted", gone.article.id, touched)

    def _accept(self, key: str, raw: bytes) -> Outcome:
        from nashra.core.site import feeds_for

        try:
            cfg = self._intake_config()
        except ConfigError as exc:
            return self._reject(key, (*exc.problems, _CONFIG_UNAVAILABLE))
        intake = self.intake or parse_article
        result = intake(raw, key=key, site=cfg.site, sections=cfg.sections, now=self.clock())
        article = result.article
        if article is None:
            return self._reject(key, result.problems)
        previous = self._ahead.get(article.id)
        clash = self._id_clash(key, previous.article if previous else None)
        if clash is not None:
            return self._reject(key, (*result.problems, clash), waiting_for=article.id)
        feeds = feeds_for(article)
        try:
            changed = self._store(key, article, feeds, previous)
            when = article.published if article.status == "scheduled" else None
            self._after_accept(key, result.problems, when)
            self._commit()  # the article, its rejection cleared and its ETag: one write
        except InputError as exc:  # too large for the index, or refused by storage
            self._pending = []
            return self._reject(key, (*result.problems, *(exc.problems or [internal_problem(exc)])))
        status: Status = article.status
        if not changed:  # re-derived or re-uploaded to the same article: no feed moves
            status = "unchanged"
        return Outcome(key, status, article.id, feeds, result.problems)

    def _store(
        self, key: str, article: Article, feeds: frozenset[str], previous: Indexed | None
    ) -> bool:
        """Stage the article's indexing; True when that changes anything."""
        from nashra.core.site import feeds_for

        stale = self._ahead.find_by_key(key)
        moved = stale is not None and stale.article.id != article.id
        if stale is not None and moved:
            # The file now claims another id: its old article leaves every feed.
            self._stage(Remove(stale))
            self._touched |= feeds_for(stale.article)
        before = None if previous is None else previous.article
        if before != article:
            self._stage(Save(article, feeds, previous))
            self._touched |= feeds | (feeds_for(before) if before else frozenset())
        if stale is not None and moved:
            self._release(stale.article.id)
        return moved or before != article

    def _reject(
        self, key: str, problems: tuple[Problem, ...], waiting_for: str | None = None
    ) -> Outcome:
        self._report(key, problems)
        self._stage(NoteRejected(key, waiting_for))
        self._drop_orphan(key)
        return Outcome(key, "rejected", problems=problems)

    def _drop_orphan(self, key: str) -> None:
        """A rejected upload keeps its last good version published, unless that version's
        section was removed from the config: then it leaves every feed (`all` too)."""
        stale = self._ahead.find_by_key(key)
        if stale is None or self._config is None:
            return
        if stale.article.section not in {s.slug for s in self._config.sections}:
            from nashra.core.site import feeds_for

            self._stage(Remove(stale))
            self._touched |= feeds_for(stale.article)

    def _after_accept(
        self, key: str, problems: tuple[Problem, ...], scheduled: datetime | None = None
    ) -> None:
        if problems or scheduled:
            # Warnings only, or when it is scheduled for: the editor still hears about it.
            self._report(key, problems, scheduled)
            self._stage(ClearRejected(key))
        elif self._delete_report(key):
            self._stage(ClearRejected(key))

    def _delete_report(self, key: str) -> bool:
        """Delete the report on `key`, if it has one; True when it had. No call at all
        when the batch knows it has none (`ReportStore.reported`)."""
        if self._ahead.has_report(key) is False:
            return False
        deleted = self.reports.delete_report(key)
        self._ahead.reported(key, False)
        return deleted

    def _id_clash(self, key: str, owner: Article | None) -> Problem | None:
        """Two files claiming one id: the one already published keeps it (docs/design.md)."""
        if owner is None or owner.key == key:
            return None
        # The owner keeps the id only while its file exists and still claims it.
        from nashra.core.intake import claimed_id

        raw = self.source.read(owner.key)
        if raw is None or claimed_id(raw, owner.key) not in (None, owner.id):
            return None
        return Problem(
            "id",
            "id-taken",
            f"id {owner.id!r} is already used by {owner.key}; this file is {key}",
            f"المعرّف {owner.id!r} مستخدم في الملف {owner.key}؛ وهذا الملف هو {key}",
        )

    def _report(
        self, key: str, problems: Sequence[Problem], scheduled: datetime | None = None
    ) -> None:
        if key_bytes(key) > MAX_INPUT_KEY_BYTES:
            # S3 would refuse `reports/<key>` (KeyTooLongError) on every retry: the outcome
            # (logged) says why instead (`core.intake.key_problem`), and the key is still
            # marked rejected and seen, so no sweep counts it healed again.
            return
        self.reports.put_report(key, _report_body(key, problems, scheduled))
        self._ahead.reported(key, True)

    # -- render --------------------------------------------------------------------------

    def touch_all(self) -> None:
        """Mark every feed for re-rendering (a full rebuild)."""
        self._everything = True

    def flush(self) -> FlushReport:
        """Render each touched feed once from the index; write only changed bytes; then
        queue the messages this batch asked for (the next chunk of a sweep, a render
        request)."""
        report = self._flush()
        self._send_outbox()
        asked = [] if self._asked is None else [AskRederive(self._asked)]
        if self._config_seen or asked:  # the re-deriving sweep is queued: the change is
            self.index.commit([*self._config_seen, *asked])  # reconciled, and asks for it
            self._config_seen, self._asked = [], None
        self._next_batch()
        return report

    def _next_batch(self) -> None:
        """Forget what this batch read ahead: a publisher flushed again (tests, `nashra
        build`'s single batch) starts from the index and inbox as they now are."""
        self._ahead = Lookahead(self.source, self.index, self.reports, self.pool)
        self._expected, self._order = {}, []
        self._backlog = self._render_asked = False
        self._config_in_hand = set()

    def _flush(self) -> FlushReport:
        report = FlushReport()
        if self._touched or self._everything or self._render_asked:
            # A batch that reconciled no key (a render request, a rebuild): the config and
            # the deferred-render record, side by side (no-op when read ahead already).
            self._ahead.prefetch((), config=self._config is None, deferred=self.requeue is not None)
        plan = self._plan_render()
        if plan.defer:  # a backlog: the feeds wait for the render request
            if plan.record is not None:
                self.index.commit([plan.record])
            report.deferred = sorted(self._touched)
            self._touched = set()
            return report
        wanted = plan.feeds
        if not (wanted or self._everything):
            if plan.record is not None:  # deferred feeds, none left to render: forget them
                self.index.commit([plan.record])
            return report
        try:
            cfg = self.config
        except ConfigError as exc:
            # A broken config must not fail the batch (deletes, the hourly rebuild): that
            # would retry it into the DLQ while the fix waits behind it in the FIFO group.
            self._touched, self._everything = set(), False
            report.config_problems = exc.problems
            return report
        notes = self._render(cfg, wanted, report)
        for key in sorted(notes):  # a report that cannot be stored must not fail the batch
            _guard(report, report_key(key), partial(self._note, key, notes[key]))
        if self._everything:
            self._prune(cfg, report)
        if plan.record is not None:  # the deferred feeds are written: forget them
            self.index.commit([plan.record])
        self._touched, self._everything = set(), False
        self._notify(cfg.site, report.written)
        return report

    def _plan_render(self) -> RenderPlan:
        """What this flush renders, and what it records of deferred feeds (only with a
        work queue: without one there is no render request to ask for)."""
        if self.requeue is None:
            return RenderPlan(frozenset(self._touched))
        busy = self._backlog and not (self._everything or self._render_asked)
        quiet = not (self._touched or self._everything or self._render_asked)
        if quiet and (busy or not self._ahead.knows_deferred()):
            # Nothing to render or defer: the deferred feeds wait for their request, or for
            # a batch that has the record in hand already (read with its keys).
            return RenderPlan(frozenset())
        plan = plan_render(
            frozenset(self._touched), self._ahead.deferred(), self.clock(), busy=busy
        )
        if plan.request:
            self._outbox.append(Render(self.new_run()))
        return plan

    def _send_outbox(self) -> None:
        if self._rederive:
            self._asked = self.new_run()
            self._outbox.append(Sweep(rederive=True, run=self._asked))
            self._rederive = False
        if self._outbox and self.requeue is not None:
            self.requeue.send(self._outbox)
        self._outbox = []

    def _render(
        self, cfg: Config, wanted: frozenset[str], report: FlushReport
    ) -> dict[str, dict[Problem, None]]:
        """Render every wanted feed (and the site files when rendering everything) and
        write each file whose bytes changed; returns what rendering had to say about single
        articles. The feeds' articles are read side by side; the feeds are rendered one
        after another, each one's files written while the next renders. Files are listed in
        path order, and the first failure in path order is raised once every write has
        finished."""
        from nashra.core.site import feed_catalog
        from nashra.render import render_site_files
        from nashra.render.model import shared_entries

        specs = feed_catalog(cfg.site, cfg.sections)
        chosen = [s for s in specs if self._everything or s.slug in wanted]
        readings = self._read_feeds(cfg.site, chosen)
        catalog = {spec.slug for spec in specs}
        self._archive.retract(cfg.site, chosen, catalog, partial(self._rewritten, cfg.site))
        writes: dict[str, Callable[[], Attempt[bool]]] = {}
        feeds: dict[int, RenderedFeed] = {}
        with shared_entries(SHARED_ENTRIES, SHARED_BYTES):
            for n, rendered in self._render_feeds(cfg.site, chosen, readings, report):
                writes.update(self._start_writes(rendered.files))
                feeds[n] = rendered
        notes: dict[str, dict[Problem, None]] = {}  # key -> problems, in order, once each
        for n in sorted(feeds):  # in catalog order, however the feeds' renders interleaved
            for key, problem in feeds[n].notes:
                notes.setdefault(key, {})[problem] = None
        if self._everything:
            site_files = _guard(report, "(site files)", lambda: render_site_files(cfg.site, specs))
            writes.update(self._start_writes(site_files or {}))
        for path in sorted(writes):
            (report.written if writes[path]().get() else report.unchanged).append(path)
        self._archive.finish(report.written, report.unchanged, report.deleted)
        return notes

    def _render_feeds(
        self,
        site: Site,
        chosen: Sequence[FeedSpec],
        readings: Sequence[Reading],
        report: FlushReport,
    ) -> Iterator[tuple[int, RenderedFeed]]:
        """Every feed's files, by its position in `chosen`, each feed in its own failure
        boundary. The feeds' documents are rendered interleaved, in the order of their
        newest article's place (`Archive.steps`): the feeds and pages holding one article
        render one after another, so it is converted and written once (`shared_entries`).
        With a farm (`Archive.farm`), every feed's pages are planned first, and the farm
        seals its share of them meanwhile."""
        archive, pairs = self._archive, list(zip(chosen, readings, strict=True))
        farm = archive.farm
        plans = [archive.plan(site, spec, r) if farm else None for spec, r in pairs]
        if farm is not None:
            planned = zip(chosen, plans, strict=True)
            pages = [(spec, p.value) for spec, p in planned if p and p.value]
            farm.start(site, archive.store, archive.size, pages)
        started = [
            archive.steps(site, spec, r, plan) for (spec, r), plan in zip(pairs, plans, strict=True)
        ]
        due: list[tuple[tuple[int, Place | None], int]] = []

        def advance(n: int) -> RenderedFeed | None:
            step = _guard(report, chosen[n].slug, partial(_next_step, started[n]))
            if step is not None and not step.done:
                place = step.place
                heapq.heappush(due, ((0, place) if place is not None else (1, None), n))
            return None if step is None else step.rendered

        try:
            for n in range(len(started)):
                rendered = advance(n)
                if rendered is not None:
                    yield n, rendered
            while due:
                _, n = heapq.heappop(due)
                rendered = advance(n)
                if rendered is not None:
                    yield n, rendered
        finally:
            for steps in started:  # a feed left unfinished records what it sealed
                steps.close()
            if farm is not None:
                farm.close()

    def _start_writes(self, files: dict[str, bytes]) -> dict[str, Callable[[], Attempt[bool]]]:
        """Start writing each file unless identical bytes are there (side by side)."""
        from nashra.render import cache_control_for, content_type_for

        write = self.store.write
        return {
            path: self.writes.submit(
                partial(write, path, body, content_type_for(path), cache_control_for(path))
            )
            for path, body in files.items()
        }

    def _prune(self, cfg: Config, report: FlushReport) -> None:
        """Delete the feed files and page of sections no longer in the config (a removed
        section); OPML and the landing page follow, as they are rendered from the catalog."""
        from nashra.core.site import feed_catalog
        from nashra.render import FEED_FILES

        live = {spec.slug for spec in feed_catalog(cfg.site, cfg.sections)}
        names = set(FEED_FILES)
        for path in list(self.store.paths()):
            slug, _, name = path.partition("/")
            if (name in names or is_archive_name(name)) and slug not in live:
                self.store.delete(path)
                report.deleted.append(path)
        self._archive.forget(live)

    def _read_feeds(self, site: Site, chosen: list[FeedSpec]) -> list[Reading]:
        """What rendering the feeds needs, in two rounds of calls side by side: every feed's
        newest with the feeds' archive states and the check of its files, then every
        feed's range past its boundary and its marks (D12) with the check of its open
        archive page. Returns once every index read has answered: rendering may write the
        index (a seal), which no read may overlap."""
        from nashra.render import FEED_FILES

        limit = site.items_per_feed
        newest = [self.pool.submit(partial(self.index.newest, s.slug, limit)) for s in chosen]
        if chosen:
            self._archive.prefetch()
        expect(self.store, [feed_file(s.slug, name) for s in chosen for name in FEED_FILES])
        readings = [
            self._archive.read(site, spec, articles)
            for spec, articles in zip(chosen, newest, strict=True)
        ]
        for reading in readings:
            reading.wait()
        return readings

    def _note(self, key: str, problems: Iterable[Problem]) -> None:
        """Tell the editor what rendering did to an accepted article (shortened in or left
        out of a feed); the report is only rewritten when it says something new."""
        body = _report_body(key, tuple(problems))
        if self.reports.read_report(key) != body:
            self.reports.put_report(key, body)

    def _rewritten(self, site: Site, paths: list[str]) -> None:
        """Sealed pages were written again (a retraction): the CDN drops its copies now."""
        if self.notifier is not None:
            self.notifier.pages_rewritten([f"{site.feeds_url}/{p}" for p in paths])

    def _notify(self, site: Site, written: Iterable[str]) -> None:
        if self.notifier is not None:
            urls = [f"{site.feeds_url}/{p}" for p in written if not p.endswith((".html", ".css"))]
            if urls:
                self.notifier.feeds_changed(urls, None if site.hub is None else str(site.hub))

    def publish(self, messages: Iterable[Message | str]) -> Published:
        """Reconcile every message, then flush once."""
        batch = list(messages)
        self.prepare(batch)
        outcomes = [outcome for message in batch for outcome in self.apply(message)]
        return Published(outcomes, self.flush())


@dataclass(frozen=True)
class RenderPlan:
    """What one flush renders (besides every feed, when it renders everything), and the
    deferred-render record it writes: with `defer`, instead of rendering anything; else
    once the files are written. `request`: queue a render request."""

    feeds: frozenset[str]
    record: SetDeferred | None = None
    defer: bool = False
    request: bool = False


def plan_render(
    touched: frozenset[str], deferred: Deferred | None, now: datetime, *, busy: bool
) -> RenderPlan:
    """Render now, or defer: a busy batch (more messages wait behind it) defers its feeds,
    asking for one render request when none is pending, unless the deferred feeds have
    waited `DEFER_INTERVAL` already; anything else renders what it touched and every
    deferred feed, and forgets them.

    >>> t0 = datetime(2026, 1, 1)
    >>> plan_render(frozenset({"all"}), None, t0, busy=True).request
    True
    >>> waiting = Deferred(t0, frozenset({"gulf"}))
    >>> plan = plan_render(frozenset({"all"}), waiting, t0 + timedelta(seconds=5), busy=True)
    >>> plan.defer, sorted(plan.record.deferred.feeds), plan.request
    (True, ['all', 'gulf'], False)
    >>> plan_render(frozenset({"gulf"}), waiting, t0, busy=True).record is None  # no news
    True
    >>> sorted(plan_render(frozenset({"all"}), waiting, t0, busy=False).feeds)
    ['all', 'gulf']
    """
    if not busy:
        if deferred is None:
            return RenderPlan(touched)
        return RenderPlan(touched | deferred.feeds, SetDeferred(None))
    if deferred is None:
        return RenderPlan(frozenset(), SetDeferred(Deferred(now, touched)), True, request=True)
    if now - deferred.since < DEFER_INTERVAL:
        if touched <= deferred.feeds:
            return RenderPlan(frozenset(), None, defer=True)  # recorded already
        waiting = Deferred(deferred.since, deferred.feeds | touched)
        return RenderPlan(frozenset(), SetDeferred(waiting), defer=True)
    # Deferred long enough: render them now; the request already queued stays in flight.
    return RenderPlan(touched | deferred.feeds, SetDeferred(Deferred(now)))
