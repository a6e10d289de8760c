"""`nashra build`: every feed of a content folder, with intake on every core, and again from
a cache that lets the next build read and render only what changed.

A full build is the publisher (`nashra.publish`) reconciling every key of the folder into a
fresh index, then rendering every feed, exactly as before; what changed is where intake
runs: ahead, in a pool of processes (`nashra.builder.ahead`), its results handed to the
publisher through its `intake`. The output is byte for byte that of a build on one core.

With a cache (`nashra.builder.cache`), a build also keeps every intake result, the index it
built and the files it wrote. The next build into the same folder then:

- reads nothing but the stat of each article file when no file changed (and says so);
- otherwise validates the changed files only, and has the publisher delete each changed or
  deleted key from the cached index and add the changed ones again: the index becomes the
  one a clean build makes, and only the feeds those articles are in are rendered again.

A clean build gives an id to the first file in key order that claims it; the pipeline gives
it to the first published. So when a changed file claims, or gave up, an id that another
file claims too, the build is a full one instead (every unchanged file's result taken from
the cache): the output is always that of a clean build, which the tests check file by file.
The cache is used only for the same nashra, libraries and config (`nashra.builder.cache`).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Literal, cast

from nashra.adapters.local import FolderSource, FolderStore, MemoryReports
from nashra.builder.ahead import Ahead, PrefetchSource, Recorder, default_jobs
from nashra.builder.cache import (
    CLAIM,
    DIGEST,
    FEEDS,
    INDEXED,
    KEPT,
    REF,
    SIG,
    STATUS,
    VOLATILE,
    WHEN,
    BuildCache,
    CacheUnreadableError,
    Manifest,
    Record,
    Ref,
    Sig,
    code_signature,
    code_stamp,
    config_digest,
    content_digest,
    dump_result,
    evict,
    load_result,
    output_intact,
    output_signature,
    shared,
    signature,
    touch,
)
from nashra.builder.farm import ForkFarm
from nashra.builder.index import BuildIndex, instant
from nashra.core.article import Article
from nashra.core.decode import MAX_DOCUMENT_BYTES
from nashra.core.intake import IntakeResult, parse_article
from nashra.core.keys import (
    ARCHIVE_DIR,
    ARTICLES_PREFIX,
    CONFIG_KEYS,
    is_config_key,
    is_meant_as_article,
)
from nashra.core.problems import ConfigError, Problem
from nashra.core.site import feed_catalog, feeds_for
from nashra.history import ARCHIVE_PAGE_SIZE
from nashra.ports import ArchiveState
from nashra.publish import Config, FlushReport, Outcome, Publisher, Status, read_config

# Fewer files than this are validated in this process: a pool costs more than it saves.
POOL_MIN = 200
# More changed files than this and the build is a full one, its pool validating them.
INCREMENTAL_MAX = 200
# Threads writing feed files while the publisher renders the next ones: a file's open, write
# and close wait on the disk outside the interpreter's lock.
WRITERS = 4
# Build caches kept under the user's cache folder (one per content and output folder).
CACHES_KEPT = 16

Mode = Literal["full", "incremental", "unchanged"]
Scanned = list[tuple[str, os.stat_result]]


@dataclass
class Built:
    """What a build reports: what a clean build of the folder reports (an incremental
    build rebuilds its outcomes from the cache, in the same order), and what it read."""

    written: list[str]
    unchanged: list[str]
    counts: Counter[str]  # article outcomes by status
    problems: list[tuple[str, tuple[Problem, ...]]]  # every outcome with problems, in order
    config_problems: tuple[Problem, ...]  # the config keys' own, when they were rejected
    mode: Mode
    read: int  # article files this build read (to validate them, or to hash them)
    validated: int  # article files this build validated (ran intake on)
    ahead: int = 0  # of those, how many the pool of processes validated
    farmed: int = 0  # archive pages sealed by a second process (`builder.farm`)
    _outcomes: Callable[[], list[Outcome]] = field(repr=False, default=list)

    @property
    def outcomes(self) -> list[Outcome]:
        return self._outcomes()


def build(
    content: Path,
    out: Path,
    *,
    cache: Path | None = None,
    jobs: int | None = None,
    now: datetime | None = None,
) -> Built:
    """Build every feed of `content` into `out`, with `cache` (a folder) if given; `jobs`
    processes validate files (default: every core this process may use)."""
    with _YoungOnly():
        files = scan_articles(content)
    job = _Job(
        content=content,
        out=out,
        files=files,
        now=now or datetime.now(UTC),
        jobs=default_jobs() if jobs is None else max(1, jobs),
        scan_ns=time.time_ns(),
    )
    with BuildCache.open(cache) as store:
        job.store = store
        if store is None:
            return job.full(None)
        try:
            with _YoungOnly():
                manifest = job.manifest()
                built = None if manifest is None else job.incremental(manifest)
            return built or job.full(manifest)
        except CacheUnreadableError:
            store.discard()  # afresh: whatever was written is rewritten where it differs
            return job.full(None)


class _YoungOnly:
    """The cyclic garbage collector on young objects only, within. A build keeps what it
    reads to the end (a stat and a manifest record per file, every article of a full
    build), so each of Python's full collections would walk it all again, for nothing: an
    eighth of an incremental build of 10,000 articles, and a fifth of a second of a full
    build's critical path (gen-2 collections 0.10 s, gen-1 0.05 s), more as the index
    grows. Within, automatic collection is off; a full build calls `tick` once a key, which
    collects the young generations every `every` keys, so cycles a rejected file's errors
    leave are collected as before, and the survivors are never walked again until the
    build is done (one full collection then, when Python next runs one). `settle` freezes
    what the index holds before the render, which collects as usual among what it makes
    itself. On leaving, the collector is as it was found."""

    def __init__(self, every: int = 1000) -> None:
        self.every = every
        self.count = 0
        self.enabled = gc.isenabled()
        self.froze = False  # only what it froze itself is unfrozen (all of it, or nothing)

    def __enter__(self) -> _YoungOnly:
        gc.disable()
        return self

    def tick(self) -> None:
        self.count += 1
        if self.count % self.every == 0:
            gc.collect(1)

    def settle(self) -> None:
        gc.collect(1)
        if gc.get_freeze_count() == 0:
            gc.freeze()
            self.froze = True
        if self.enabled:
            gc.enable()

    def __exit__(self, *exc: object) -> None:
        if self.froze:
            gc.unfreeze()
        if self.enabled:
            gc.enable()


def scan_articles(root: Path) -> Scanned:
    """Every article file of a content folder (`articles/…/*.json`, the extension in any
    case: `keys.is_meant_as_article`) with its stat, in key order: what
    `FolderSource.list_keys` lists (symbolic links to files followed, to folders not),
    with one stat per file."""
    found: Scanned = []
    try:
        base = root.resolve()
    except OSError:
        return found
    _walk(str(base), "", found)
    found.sort(key=lambda item: item[0])
    return found


def _walk(folder: str, relative: str, found: Scanned) -> None:
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError:  # as `Path.rglob`: a folder that cannot be listed is skipped
        return
    for entry in entries:
        name = relative + entry.name
        try:
            if entry.is_dir(follow_symlinks=False):
                inside = name + "/"
                if inside.startswith(ARTICLES_PREFIX) or ARTICLES_PREFIX.startswith(inside):
                    _walk(entry.path, inside, found)
            elif is_meant_as_article(name) and entry.is_file():
                found.append((name, entry.stat()))
        except OSError:  # gone since it was listed
            continue


def _config_state(source: FolderSource, key: str) -> bytes | None:
    """A config file's bytes for the cache's digest; one over 1 MiB by its ETag, never
    read whole (the build reports it on its size)."""
    found = source.fetch(key, MAX_DOCUMENT_BYTES)
    if found is None:
        return None
    return found.body if found.body is not None else found.etag.encode()


def default_cache(content: Path, out: Path) -> Path:
    """Where `nashra build` keeps its cache for one content and output folder: under the
    user's cache folder (`$XDG_CACHE_HOME`, else ~/.cache), never in the output, which is
    published (the cache holds drafts and rejected files). The least recently used are
    removed beyond `CACHES_KEPT`."""
    home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    pair = f"{content.resolve()}\0{out.resolve()}".encode()
    name = hashlib.blake2b(pair, digest_size=8).hexdigest()
    folder = Path(home) / "nashra" / "build" / name
    if not folder.exists():
        evict(folder.parent, CACHES_KEPT - 1)
    return folder


@dataclass
class _Job:
    """One build: the folder's files as scanned, the time, and the cache if there is one."""

    content: Path
    out: Path
    files: Scanned
    now: datetime
    jobs: int
    scan_ns: int
    store: BuildCache | None = None
    stamp: bytes = b""
    quick: bytes = b""  # `code_signature`: when it is the manifest's, so is the stamp
    config_digest: bytes = b""
    _by_key: dict[str, os.stat_result] | None = None

    # -- the cache ------------------------------------------------------------------------

    def manifest(self) -> Manifest | None:
        """The last build's manifest, if this build may use it."""
        store = self._store()
        touch(store.folder)
        self.quick = code_signature()
        manifest, self.stamp = store.load(self.quick, code_stamp)
        source = FolderSource(self.content)
        self.config_digest = config_digest(*(_config_state(source, k) for k in CONFIG_KEYS))
        if manifest is None or manifest.config != self.config_digest:
            return None
        if manifest.now > instant(self.now):  # the clock went back: results may not hold
            return None
        return manifest

    def _store(self) -> BuildCache:
        assert self.store is not None
        return self.store

    def _stats(self) -> dict[str, os.stat_result]:
        if self._by_key is None:
            self._by_key = dict(self.files)
        return self._by_key

    def _save(self, manifest: Manifest) -> None:
        store = self._store()
        manifest.live = sum(r[REF][1] for r in manifest.files.values() if r[REF] is not None)
        if store.wasteful(manifest):  # mostly results no record points to any more
            store.compact(manifest)
        store.save(manifest)

    def _publisher(
        self,
        source: FolderSource,
        index: BuildIndex,
        intake: Recorder,
        farm: ForkFarm | None = None,
    ) -> Publisher:
        now = self.now
        return Publisher(
            source=source,
            index=index,
            store=FolderStore(self.out),
            reports=MemoryReports(),
            clock=lambda: now,  # one time for the whole build, as intake ahead used
            intake=intake,
            workers=1,  # reads from a folder: no threads (the pool validates ahead)
            writers=WRITERS,  # files written while the next ones render
            farm=farm,  # a full build's sealed pages on two cores
        )

    def _record(self, outcome: Outcome, recorder: Recorder, index: BuildIndex) -> Record:
        """What the cache keeps of one article file, from its outcome in a clean build."""
        logged = recorder.log.get(outcome.key)
        feeds: tuple[str, ...] = ()
        when = 0
        if outcome.status in INDEXED and outcome.article_id is not None:
            place = index.place(outcome.article_id)
            if place is not None:
                feeds, when = shared(tuple(sorted(place[0]))), place[1]
        return (
            signature(self._stats()[outcome.key], self.scan_ns),
            None if logged is None else logged.digest,
            None if logged is None else logged.ref,
            logged is not None and logged.volatile,
            outcome.status,
            None if logged is None else logged.claim,
            feeds,
            when,
        )

    def _outputs(self, paths: Iterable[str], outputs: dict[str, Sig]) -> dict[str, Sig]:
        for path in paths:
            try:
                outputs[path] = output_signature(os.stat(self.out / path))
            except OSError:
                outputs.pop(path, None)
        return dict(sorted(outputs.items()))

    # -- a full build ---------------------------------------------------------------------

    def full(self, previous: Manifest | None) -> Built:
        """Every key through the publisher into a fresh index; intake ahead on every core,
        or from the cache for files whose bytes it holds a result of."""
        source = PrefetchSource(self.content)
        try:
            config: Config | None = read_config(source)
        except ConfigError:
            config = None  # the publisher reports it, and renders nothing
        cached, ahead_keys = self._plan(previous)
        store = self.store
        in_place = False
        if store is not None:
            results = store.start_results(previous)
            in_place = previous is not None and results == previous.results
        ahead = None
        if config is not None and self.jobs > 1 and len(ahead_keys) >= POOL_MIN:
            ahead = Ahead(
                ahead_keys, root=self.content, config=config, now=self.now, jobs=self.jobs
            )
        source.ahead = ahead
        recorder = Recorder(
            config=config,
            now=self.now,
            ahead=ahead,
            cached=cached,
            read_cached=None if store is None or previous is None else _reader(store, previous),
            keep=None if store is None else store.append,
            cached_in_place=in_place,
        )
        index = BuildIndex()
        farm = ForkFarm() if self.jobs > 1 else None
        publisher = self._publisher(source, index, recorder, farm)
        keys = [*CONFIG_KEYS, *(k for k, _ in self.files)]
        with _YoungOnly() as collector:
            try:
                publisher.prepare(keys)
                outcomes = []
                for key in keys:
                    outcomes += publisher.apply(key)
                    collector.tick()
            finally:
                if ahead is not None:
                    ahead.close()  # before the flush: its pages are sealed on every core
            collector.settle()
            flushed = publisher.flush()
        if _cacheable(outcomes, flushed):
            # A full build writes (or finds unchanged) every archive page a clean one does:
            # any other page in the folder is stale, e.g. of a longer history written by a
            # build this cache did not see (without it, or with another).
            stale = self._archive_files()
            done = [*flushed.written, *flushed.unchanged]
            self._prune([*(store.last_outputs() if store else ()), *stale], done)
            if store is not None:
                self._save(self._manifest_after(outcomes, flushed, recorder, index))
        built = _report(outcomes, flushed)
        built.ahead = 0 if ahead is None else ahead.read
        built.farmed = 0 if farm is None else farm.taken
        built.read = source.read_here + built.ahead
        built.validated = len(recorder.log) - recorder.reused
        return built

    def _plan(self, previous: Manifest | None) -> tuple[dict[str, tuple[bytes, Ref]], list[str]]:
        """Cached results by key (used when the bytes match), and the files to validate
        ahead: those without one, or whose stat moved."""
        cached: dict[str, tuple[bytes, Ref]] = {}
        ahead: list[str] = []
        for key, st in self.files:
            record = None if previous is None else previous.files.get(key)
            reusable = _reusable(record)
            if reusable is not None:
                cached[key] = reusable
                if record is not None and record[SIG] == signature(st, self.scan_ns):
                    continue  # read by the publisher, answered from the cache
            if st.st_size <= MAX_DOCUMENT_BYTES:
                ahead.append(key)
        return cached, ahead

    def _archive_files(self) -> list[str]:
        """The archive pages' files in the output folder (`{feed}/archive/{n}/rss.xml` and
        `atom.xml`): nothing else, so no file of the publisher's own is deleted."""
        from nashra.render.history import ARCHIVE_FORMATS

        names = {fmt.filename for fmt in ARCHIVE_FORMATS}
        found = []
        for path in FolderStore(self.out).paths():
            slug, _, name = path.partition("/")
            archive, _, rest = name.partition("/")
            page, _, filename = rest.partition("/")
            numbered = page.isascii() and page.isdigit()
            if slug and archive == ARCHIVE_DIR and numbered and filename in names:
                found.append(path)
        return found

    def _prune(self, before: list[str], now: list[str]) -> None:
        """Delete what the last build wrote and this one did not: archive pages a fresh
        index would not seal again (the publisher never deletes a sealed page), files of
        an earlier layout. A clean build into an empty folder would not have them."""
        kept = set(now)
        for path in before:
            if path in kept or ".." in Path(path).parts:
                continue
            with contextlib.suppress(OSError):
                (self.out / path).unlink()
                for folder in (self.out / path).parents:  # and the folders it leaves empty
                    if folder == self.out or not folder.is_relative_to(self.out):
                        break
                    folder.rmdir()  # OSError when not empty: stop

    def _manifest_after(
        self, outcomes: list[Outcome], flushed: FlushReport, recorder: Recorder, index: BuildIndex
    ) -> Manifest:
        manifest = Manifest(
            stamp=self.stamp,
            quick=self.quick,
            config=self.config_digest,
            now=instant(self.now),
            results=self._store().results_name,
            head=[o for o in outcomes if is_config_key(o.key)],
        )
        last = {o.key: o for o in outcomes if is_meant_as_article(o.key)}
        for key, _ in self.files:
            outcome = last.get(key)
            if outcome is None or outcome.status not in KEPT:
                continue  # gone while building: read again next time
            manifest.files[key] = self._record(outcome, recorder, index)
            if outcome.problems:
                manifest.problems[key] = outcome.problems
        manifest.outputs = self._outputs([*flushed.written, *flushed.unchanged], {})
        manifest.archives, manifest.marks = index.archive_state()
        return manifest

    # -- an incremental build -------------------------------------------------------------

    def incremental(self, manifest: Manifest) -> Built | None:
        """The changes since the last build, or None when this build must be a full one."""
        if not output_intact(self.out, manifest.outputs) or _strays(self.out, manifest.outputs):
            return None
        changes = self._changes(manifest)
        if changes is None or len(changes.changed) > INCREMENTAL_MAX:
            return None
        store = self._store()
        store.continue_results(manifest)
        if not changes.changed and not changes.deleted:
            if changes.restated:
                _restate(manifest.files, changes.restated)
                self._save(manifest)
            return _from_manifest(manifest, self.files, mode="unchanged", read=changes.read)
        return self._apply(manifest, changes)

    def _changes(self, manifest: Manifest) -> _Changes | None:
        """What changed since the manifest (None: something this build cannot tell)."""
        records = manifest.files
        source = FolderSource(self.content)
        changes = _Changes()
        for key, st in self.files:
            record = records.get(key)
            trusted = record is not None and not record[VOLATILE]
            if trusted and record is not None and record[SIG] == output_signature(st):
                continue  # the stat it had when its stat could be trusted: unchanged
            sig = signature(st, self.scan_ns)
            if st.st_size > MAX_DOCUMENT_BYTES:
                changes.changed[key] = None  # rejected on its size, never read (B-1)
                continue
            try:
                raw = source.read(key)
            except OSError:
                return None  # a full build reports it
            if raw is None:
                return None  # gone since the scan
            changes.read += 1
            if trusted and record is not None and record[DIGEST] == content_digest(raw):
                if sig != record[SIG]:
                    changes.restated[key] = sig
                continue
            changes.changed[key] = raw
        present = {key for key, _ in self.files}
        changes.deleted = [key for key in records if key not in present]
        return changes

    def _apply(self, manifest: Manifest, changes: _Changes) -> Built | None:
        """Validate the changed files, then have the publisher take each changed or deleted
        file out of the cached index and put each changed one back."""
        source = PrefetchSource(self.content)
        try:
            config = read_config(source)
        except ConfigError:
            return None
        validated = self._validate(changes, config)
        if validated is None or _contested(manifest.files, changes.claims, changes.deleted):
            return None
        resealed = _sealed_edits(manifest, changes, config.site.items_per_feed)
        if resealed is None:
            return None
        store = self._store()
        index = BuildIndex(
            load=_article_loader(store, manifest), advise=partial(store.advise, manifest)
        )
        index.restore(*_cached_index(manifest.files), (manifest.archives, manifest.marks))
        source.prefetched = {k: raw for k, raw in changes.changed.items() if raw is not None}
        recorder = Recorder(
            config=config, now=self.now, computed=dict(validated), keep=store.append
        )
        publisher = self._publisher(source, index, recorder)
        source.hidden = set(changes.changed) | set(changes.deleted)
        for key in sorted(source.hidden):  # out of the index, as if deleted ...
            publisher.apply(key)
        source.hidden = set()
        outcomes = [o for key in sorted(changes.changed) for o in publisher.apply(key)]
        for feed, pages in resealed.items():  # in their sealed pages, as a clean build has
            index.record_archive(feed, manifest.archives[feed], _held(index, pages))
        flushed = publisher.flush()  # ... and back: the index a clean build makes
        if not _as_expected(index, outcomes, changes, manifest.files, flushed):
            return None
        self._reseal(config, index, resealed, flushed)
        _restate(manifest.files, changes.restated)
        for key in changes.deleted:
            manifest.files.pop(key, None)
            manifest.problems.pop(key, None)
        for outcome in outcomes:
            manifest.files[outcome.key] = self._record(outcome, recorder, index)
            manifest.problems.pop(outcome.key, None)
            if outcome.problems:
                manifest.problems[outcome.key] = outcome.problems
        manifest.files = {key: manifest.files[key] for key, _ in self.files}
        manifest.now = instant(self.now)
        # The open archive pages the publisher deleted (a feed that no longer reaches past
        # its live feed) leave the list too: a clean build has no such file, so the report
        # must not call it unchanged, nor the next build find the output damaged.
        manifest.outputs = self._outputs([*flushed.written, *flushed.deleted], manifest.outputs)
        manifest.archives, manifest.marks = index.archive_state()
        self._save(manifest)
        return _from_manifest(
            manifest,
            self.files,
            mode="incremental",
            written=flushed.written,
            read=changes.read,
            validated=len(validated),
        )

    def _reseal(
        self, config: Config, index: BuildIndex, resealed: Resealed, flushed: FlushReport
    ) -> None:
        """Write again each sealed page that holds an article edited in place, as a clean
        build writes it: the same 50 articles, the edited one in its new version."""
        from nashra.render import content_type_for
        from nashra.render.headers import ARCHIVE_CACHE
        from nashra.render.history import render_archive_page

        specs = {spec.slug: spec for spec in feed_catalog(config.site, config.sections)}
        store = FolderStore(self.out)
        for feed, pages in sorted(resealed.items()):
            for number, ids in sorted(pages.items()):
                articles = [index.get(article_id) for article_id in ids]
                files = render_archive_page(
                    config.site,
                    specs[feed],
                    [a for a in articles if a is not None],
                    number,
                    size=ARCHIVE_PAGE_SIZE,
                    last=False,  # a sealed page always has one after it
                )
                for path, body in files.items():
                    written = store.write(path, body, content_type_for(path), ARCHIVE_CACHE)
                    (flushed.written if written else flushed.unchanged).append(path)

    def _validate(
        self, changes: _Changes, config: Config
    ) -> dict[str, tuple[bytes, bytes | None]] | None:
        """Intake of each changed file (MD5 and pickled result), and the id it claims."""
        validated: dict[str, tuple[bytes, bytes | None]] = {}
        for key, raw in changes.changed.items():
            changes.claims[key] = None
            if raw is None:
                continue
            try:
                result = parse_article(
                    raw, key=key, site=config.site, sections=config.sections, now=self.now
                )
            except Exception:
                return None  # a full build reports it
            validated[key] = (content_digest(raw), dump_result(result))
            article = result.article
            changes.claims[key] = None if article is None else article.id
            if article is not None:
                changes.places[key] = (feeds_for(article), (instant(article.published), article.id))
        return validated


@dataclass
class _Changes:
    """Article files since the last build."""

    changed: dict[str, bytes | None] = field(default_factory=dict)  # None: over the limit
    deleted: list[str] = field(default_factory=list)
    restated: dict[str, Sig | None] = field(default_factory=dict)  # same bytes, new stat
    claims: dict[str, str | None] = field(default_factory=dict)  # id each changed one claims
    # Where each changed article now goes: its feeds and its place (instant, id).
    places: dict[str, tuple[frozenset[str], tuple[int, str]]] = field(default_factory=dict)
    read: int = 0


def _restate(records: dict[str, Record], restated: dict[str, Sig | None]) -> None:
    for key, sig in restated.items():
        records[key] = (sig, *records[key][1:])


def _reusable(record: Record | None) -> tuple[bytes, Ref] | None:
    """(MD5, ref) of a cached result that holds for this build, if there is one."""
    if record is None or record[VOLATILE] or record[DIGEST] is None or record[REF] is None:
        return None
    return record[DIGEST], record[REF]


def _reader(store: BuildCache, manifest: Manifest) -> Callable[[Ref], bytes]:
    return lambda ref: store.read(manifest, ref)


def _article_loader(store: BuildCache, manifest: Manifest) -> Callable[[Ref], Article]:
    def load(ref: Ref) -> Article:
        result = load_result(store.read(manifest, ref))
        if not isinstance(result, IntakeResult) or result.article is None:
            raise CacheUnreadableError("a cached article is not an article")
        return result.article

    return load


def _cached_index(
    records: dict[str, Record],
) -> tuple[list[tuple[str, str, frozenset[str], int, Ref]], list[tuple[str, str | None]]]:
    """The index the last build left, from its records: every indexed article (without
    reading it) and every rejected key with the id it waits for."""
    interned: dict[tuple[str, ...], frozenset[str]] = {}
    articles = []
    rejected = []
    for key, record in records.items():
        ref, claim = record[REF], record[CLAIM]
        if record[STATUS] == "rejected":
            rejected.append((key, claim))
        elif claim is not None and ref is not None:
            feeds = interned.get(record[FEEDS])
            if feeds is None:
                feeds = interned[record[FEEDS]] = frozenset(record[FEEDS])
            articles.append((claim, key, feeds, record[WHEN], ref))
        else:
            raise CacheUnreadableError(f"the cached record of {key} has no article")
    return articles, rejected


def _contested(
    records: dict[str, Record], claims: dict[str, str | None], deleted: Sequence[str]
) -> bool:
    """Whether an id that a changed or deleted file claimed, or claims now, is claimed by
    another file too, before or after: then clean and incremental builds may differ."""
    involved: set[str] = set()
    delta: Counter[str] = Counter()
    for key in [*claims, *deleted]:
        record = records.get(key)
        old = None if record is None else record[CLAIM]
        if old is not None:
            involved.add(old)
            delta[old] -= 1
    for new in claims.values():
        if new is not None:
            involved.add(new)
            delta[new] += 1
    if not involved:
        return False
    before = Counter(r[CLAIM] for r in records.values() if r[CLAIM] in involved)
    return any(before[i] > 1 or before[i] + delta[i] > 1 for i in involved)


# Sealed pages to write again, by feed: page number -> the ids it holds, oldest first.
Resealed = dict[str, dict[int, tuple[str, ...]]]


def _sealed_edits(manifest: Manifest, changes: _Changes, live: int) -> Resealed | None:
    """The sealed pages (`nashra.history`, D12) that hold an article edited in place: the
    same file, id, date and feeds, so every page keeps its 50 articles and only the edited
    ones' pages change; a clean build seals the same pages with the new versions. None
    when a change reaches a sealed page otherwise (an article added, removed, moved or
    re-dated at or before a feed's boundary, or a feed left with fewer articles than its
    sealed pages and a live feed, `live` items per feed): only a full build gives what a
    clean one does then. A clean build's sealed pages are its feed's oldest articles in
    pages of 50, which is checked against the cached boundary before relying on it."""
    states = {feed: state for feed, state in manifest.archives.items() if state.sealed}
    boundaries = {
        feed: (instant(state.boundary[0]), state.boundary[1])
        for feed, state in states.items()
        if state.boundary is not None
    }
    in_place, moves = _moves(manifest, changes)
    if any(feed in boundaries and place <= boundaries[feed] for feed, place, _ in moves):
        return None
    if _shrinks_below_sealed(manifest, moves, states, live):
        return None
    resealed: Resealed = {}
    for feed, boundary in boundaries.items():
        edited = {place for place in in_place.get(feed, ()) if place <= boundary}
        if not edited:
            continue
        pages = _sealed_pages(manifest, feed, states[feed].sealed, boundary)
        if pages is None:
            return None
        resealed[feed] = {
            number: tuple(article_id for _, article_id in held)
            for number, held in pages.items()
            if not edited.isdisjoint(held)
        }
    return resealed


Place = tuple[int, str]  # (instant, id): an article's place in its feeds


def _moves(
    manifest: Manifest, changes: _Changes
) -> tuple[dict[str, set[Place]], list[tuple[str, Place, int]]]:
    """The changes as places: those edited in place (the same feeds and place before and
    after), by feed; and every article leaving (-1) or joining (+1) a feed at a place."""
    in_place: dict[str, set[Place]] = {}
    moves: list[tuple[str, Place, int]] = []
    for key in [*changes.changed, *changes.deleted]:
        record = manifest.files.get(key)
        old = None
        if record is not None and record[STATUS] in INDEXED and record[CLAIM] is not None:
            old = (frozenset(record[FEEDS]), (record[WHEN], record[CLAIM]))
        new = changes.places.get(key) if key in changes.changed else None
        if old is not None and old == new:
            for feed in old[0]:
                in_place.setdefault(feed, set()).add(old[1])
            continue
        if old is not None:
            moves += [(feed, old[1], -1) for feed in old[0]]
        if new is not None:
            moves += [(feed, new[1], 1) for feed in new[0]]
    return in_place, moves


def _shrinks_below_sealed(
    manifest: Manifest,
    moves: list[tuple[str, Place, int]],
    states: dict[str, ArchiveState],
    live: int,
) -> bool:
    """Whether a feed is left with fewer articles than its sealed pages and a live feed."""
    shrinking = {feed for feed, _, step in moves if step < 0 and feed in states}
    if not shrinking:
        return False
    counts = Counter(f for r in manifest.files.values() if r[STATUS] in INDEXED for f in r[FEEDS])
    for feed, _, step in moves:
        counts[feed] += step
    return any(counts[f] < states[f].sealed * ARCHIVE_PAGE_SIZE + live for f in shrinking)


def _sealed_pages(
    manifest: Manifest, feed: str, sealed: int, boundary: Place
) -> dict[int, list[Place]] | None:
    """The places in each of `feed`'s sealed pages, as a clean build seals them: its oldest
    articles in pages of 50. None if the cached boundary is not the newest of them."""
    places = sorted(
        (r[WHEN], r[CLAIM])
        for r in manifest.files.values()
        if r[STATUS] in INDEXED and r[CLAIM] is not None and feed in r[FEEDS]
    )
    size = ARCHIVE_PAGE_SIZE
    if len(places) < sealed * size or places[sealed * size - 1] != boundary:
        return None
    return {n + 1: places[n * size : (n + 1) * size] for n in range(sealed)}


def _held(index: BuildIndex, pages: dict[int, tuple[str, ...]]) -> list[Article]:
    """The articles of `pages` (read from the index; the edited ones are in memory)."""
    index.ahead(article_id for ids in pages.values() for article_id in ids)
    found = (index.get(article_id) for ids in pages.values() for article_id in ids)
    return [article for article in found if article is not None]


def _as_expected(
    index: BuildIndex,
    outcomes: list[Outcome],
    changes: _Changes,
    records: dict[str, Record],
    flushed: FlushReport,
) -> bool:
    """Whether the incremental publish did what a clean build does for these files: one
    outcome each, each file's article indexed under the id it claims (or none), the ids
    they gave up free, every feed rendered."""
    if flushed.failed or flushed.config_problems:
        return False
    if sorted(o.key for o in outcomes) != sorted(changes.claims):
        return False
    for outcome in outcomes:
        if outcome.status not in KEPT:
            return False
        indexed = index.find_by_key(outcome.key)
        expected = changes.claims[outcome.key] if outcome.status in INDEXED else None
        if (None if indexed is None else indexed.id) != expected:
            return False
    claimed = {c for c in changes.claims.values() if c is not None}
    for key in [*changes.claims, *changes.deleted]:
        old = records[key][CLAIM] if key in records else None
        if old is not None and old not in claimed and index.place(old) is not None:
            return False
    return all(index.find_by_key(key) is None for key in changes.deleted)


def _strays(out: Path, outputs: dict[str, Sig]) -> bool:
    """Whether the output folder holds feed files of a feed the config no longer has: a
    clean build deletes those (the publisher's prune)."""
    live = {path.partition("/")[0] for path in outputs if "/" in path}
    names = {path.partition("/")[2] for path in outputs if "/" in path}
    try:
        with os.scandir(out) as listing:
            entries = list(listing)
    except OSError:
        return True
    for entry in entries:
        if entry.name in live or not entry.is_dir(follow_symlinks=False):
            continue
        if any(os.path.isfile(os.path.join(entry.path, name)) for name in names):
            return True
    return False


def _cacheable(outcomes: list[Outcome], flushed: FlushReport) -> bool:
    """A build worth caching: the config was read and every feed rendered."""
    config_ok = all(o.status != "rejected" for o in outcomes if is_config_key(o.key))
    return config_ok and not flushed.failed and not flushed.config_problems


def _report(outcomes: list[Outcome], flushed: FlushReport) -> Built:
    config = [o for o in outcomes if is_config_key(o.key)]
    return Built(
        written=flushed.written,
        unchanged=flushed.unchanged,
        counts=Counter(o.status for o in outcomes if not is_config_key(o.key)),
        problems=[(o.key, o.problems) for o in outcomes if o.problems],
        # Each config key's report holds the problems of both files: said once.
        config_problems=tuple(
            dict.fromkeys(p for o in config if o.status == "rejected" for p in o.problems)
        ),
        mode="full",
        read=0,
        validated=0,
        _outcomes=lambda: outcomes,
    )


def _from_manifest(
    manifest: Manifest,
    files: Scanned,
    *,
    mode: Mode,
    read: int,
    written: Sequence[str] = (),
    validated: int = 0,
) -> Built:
    """The report of a clean build of the folder, from the manifest (an incremental build)."""
    records, problems = manifest.files, manifest.problems
    fresh = set(written)

    def outcomes() -> list[Outcome]:
        found = list(manifest.head)
        for key, _ in files:
            record = records[key]
            said = problems.get(key, ())
            if record[STATUS] in INDEXED:
                status = cast(Status, record[STATUS])
                found.append(Outcome(key, status, record[CLAIM], _feeds(record), said))
            else:
                found.append(Outcome(key, "rejected", problems=said))
        return found

    return Built(
        written=sorted(fresh),
        unchanged=[path for path in manifest.outputs if path not in fresh],
        counts=Counter(records[key][STATUS] for key, _ in files),
        problems=[
            *((o.key, o.problems) for o in manifest.head if o.problems),
            *((key, problems[key]) for key in sorted(problems)),
        ],
        config_problems=(),
        mode=mode,
        read=read,
        validated=validated,
        _outcomes=outcomes,
    )


def _feeds(record: Record) -> frozenset[str]:
    return frozenset(record[FEEDS])
