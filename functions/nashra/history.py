"""RFC 5005 archives: every feed's whole history in fixed pages, the live feed kept small.

A feed's articles are ordered by place, (published, id). The live feed holds the newest
`items_per_feed`; older ones go to archive pages of `ARCHIVE_PAGE_SIZE` articles
(`<feed>/archive/<n>/rss.xml` and `atom.xml`, page 1 the oldest). A page is sealed —
written once, and again only to drop a story that left it — when it is full and every
article in it is older than the live feed's oldest; the pages after the sealed ones hold
at most one page still open, rewritten with the feed, which the live feed names as
`prev-archive`.

What is sealed is recorded in the index per feed (`ArchiveState`: the number of sealed
pages and the place of the newest article among them, the boundary), so a publish reads
only what is not sealed: the articles placed between the boundary and the live feed, and
those the index still marks at or before the boundary. Every save marks an article in its
feeds and sealing unmarks a page's articles, so an article saved after its page was sealed
(a backdated story, a correction, a story moved into the section) is marked again and goes
to the open page. Every change that replaces or removes an article records a retraction
from each feed it was in (`Retraction`); the next flush that renders the feed writes the
sealed page holding the retracted place again without it (`Archive.retract`), before any
page is sealed, so each article is in the archive once, in its current version.

Guarantee (docs/decisions.md, D12): the live feed and the open page are derived from the
index and the archive state, like every feed. The sealed pages equal what a full build of
the inbox writes, byte for byte, as long as no article placed at or before the boundary was
added, changed or removed since it was sealed, the feed never shrank below its sealed
pages plus a live feed, and the site config stayed the same; then the whole archive does.

Cost per publish of a touched feed: one read of every feed's state per flush, one query of
the articles between the boundary and the live feed (fewer than a page, once the feed is
sealed up to date) and one of the marked ones (with a read of each, usually none); the
states are read side by side with the feeds' newest, and every feed's two queries side by
side after them, so a flush waits on two rounds of reads however many feeds it renders.
Sealing renders and writes a page once and records it in one transaction, once its files
are written (the next pages render meanwhile). A first render of a big feed streams its
history: a page is sealed as soon as it fills, so memory holds, per feed, the page being
filled and at most `SEALING` being written (and the first page of each feed's range, read
before any feed is rendered). A publisher renders its feeds' pages interleaved in the order
of their places (`Archive.steps`), so an article's feeds convert it once.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Collection, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, islice
from typing import TYPE_CHECKING, Protocol

from nashra.lookahead import Attempt, Pool, expect
from nashra.ports import ArchiveState, FeedStore, Index, Place, Retraction, place_of

if TYPE_CHECKING:
    from nashra.core.article import Article
    from nashra.core.site import FeedSpec, Site
    from nashra.render import RenderedFeed

# `nashra.render` (and the models it renders) is imported by the methods that render: a
# publisher is built, and a batch that renders nothing runs, without it (D15).

# Articles per archive page: a default live feed's worth (`items_per_feed` is 50), so a page
# fits the same byte cap; and sealing one is a single index transaction (DynamoDB allows 100
# actions: the state and one unmark per article). Fixed, not in site.json: a page's content
# must not depend on a setting that can change after it is sealed.
ARCHIVE_PAGE_SIZE = 50
# Sealed pages being written while the next one renders: bounds the bytes held in flight.
SEALING = 4


@dataclass(frozen=True)
class Page:
    """One archive page: its number (1 is the oldest), its articles oldest first, and
    whether it is sealed now (False: the open page, the newest)."""

    number: int
    articles: tuple[Article, ...]
    sealed: bool


def plan_pages(state: ArchiveState, unsealed: Iterable[Article], size: int) -> Iterator[Page]:
    """The pages after the `state.sealed` sealed ones: each full page of `unsealed` (oldest
    first, all older than the live feed) is sealed, as soon as it fills; the rest is the
    open page, which exists, even empty, once a page is sealed (the last sealed page names
    it as `next-archive`, and nothing may change a sealed page).

    >>> from datetime import UTC, datetime
    >>> from nashra.core.article import Article
    >>> def story(n):
    ...     return Article(id=f"s{n}", key=f"articles/s{n}.json", section="gulf", title="t",
    ...                    summary="s", body_html="<p>b</p>", url=f"https://e.example/{n}",
    ...                    published=datetime(2026, 3, 1 + n, tzinfo=UTC))
    >>> def shape(state, articles):
    ...     return [(p.number, len(p.articles), p.sealed) for p in plan_pages(state, articles, 2)]
    >>> shape(ArchiveState(), map(story, range(5)))
    [(1, 2, True), (2, 2, True), (3, 1, False)]
    >>> shape(ArchiveState(sealed=2), []), shape(ArchiveState(), [])
    ([(3, 0, False)], [])
    """
    number, batch = state.sealed + 1, []
    for article in unsealed:
        batch.append(article)
        if len(batch) == size:
            yield Page(number, tuple(batch), sealed=True)
            number, batch = number + 1, []
    if number > 1 or batch:
        yield Page(number, tuple(batch), sealed=False)


def sealed_state(state: ArchiveState, page: Page) -> ArchiveState:
    """The state once `page` is sealed: the boundary moves to its newest article, unless
    every article in it was placed before the boundary already (all backdated)."""
    newest = place_of(page.articles[-1])
    boundary = state.boundary if state.boundary is not None and state.boundary > newest else newest
    return ArchiveState(page.number, boundary, open=True)


def sealed_files(site: Site, spec: FeedSpec, page: Page, size: int) -> dict[str, bytes]:
    """A sealed page's files by path: the page with a page after it (`next-archive`)."""
    from nashra.render.history import render_archive_page

    return render_archive_page(site, spec, page.articles, page.number, size=size, last=False)


def write_sealed(store: FeedStore, path: str, body: bytes) -> bool:
    """Write one file of a sealed page, for good (`immutable`, `once`)."""
    from nashra.render import content_type_for
    from nashra.render.headers import ARCHIVE_CACHE

    return store.write(path, body, content_type_for(path), ARCHIVE_CACHE, once=True)


def rewrite_sealed(store: FeedStore, path: str, body: bytes) -> bool:
    """Write one file of a sealed page again, after a retraction (unless unchanged)."""
    from nashra.render import content_type_for
    from nashra.render.headers import ARCHIVE_CACHE

    return store.write(path, body, content_type_for(path), ARCHIVE_CACHE)


# A sealed page written again after a retraction: its number, what it holds now, its paths.
Rewritten = tuple[int, list["Article"], list[str]]


@dataclass(frozen=True)
class Reading:
    """What rendering one feed needs (`Archive.read`): its newest articles with its archive
    state, or the error that reading them raised; and, for a feed longer than its live
    feed, its articles placed between the boundary and the live feed (the first page being
    read) and its marks (being read)."""

    feed: Attempt[tuple[list[Article], ArchiveState]]
    after: Iterator[Article] = field(default_factory=lambda: iter(()))
    first: Callable[[], Attempt[list[Article]]] | None = None
    marked: Callable[[], Attempt[list[Article]]] | None = None
    oldest: Place | None = None  # the live feed's oldest

    def wait(self) -> None:
        """Return once every read started for the feed has answered, failed or not."""
        for pending in (self.first, self.marked):
            if pending is not None:
                pending()

    def unsealed(self) -> Iterator[Article]:
        """Every article of the feed older than the live feed and in no sealed page, oldest
        first: those after the boundary, and the marked ones at or before it."""
        if self.first is None:
            return iter(())
        after = chain(self.first().get(), self.after)
        if self.marked is None or self.oldest is None:
            return after
        oldest = self.oldest
        late = [a for a in self.marked().get() if place_of(a) < oldest]
        return heapq.merge(late, after, key=place_of)


class Farm(Protocol):
    """Seals some of a flush's archive pages elsewhere, while the publisher renders the
    others (`nashra.builder.farm`: a forked process on `nashra build`'s other core). Given
    every feed's pages before any is rendered (`start`, with the archive's store and page
    size), it takes the pages it will seal: for each feed, a run of its newest sealed pages
    (never one before a page it leaves), so the publisher records each feed's pages in
    order."""

    def start(
        self,
        site: Site,
        store: FeedStore,
        size: int,
        feeds: Sequence[tuple[FeedSpec, list[Page]]],
    ) -> None: ...

    def takes(self, feed: str, number: int) -> bool: ...

    def sealed(self, feed: str, number: int) -> list[tuple[str, Callable[[], Attempt[bool]]]]:
        """The page's files, each with what writing it gave (waits for the farm)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class _Sealing:
    """A page being sealed: its state once sealed, and its files' writes, by path."""

    page: Page
    state: ArchiveState
    writes: list[tuple[str, Callable[[], Attempt[bool]]]]
    here: bool = True  # False: the farm seals it (`Farm`)


def _pull_first(articles: Iterator[Article]) -> list[Article]:
    """The first of `articles`, so that the first page of the query behind them is read."""
    return list(islice(articles, 1))


@dataclass
class Archive:
    """Renders each feed with its archive: seals the pages that filled (written and recorded
    at once), returns the live feed's files and the open page's for the publisher to write.

    One per publisher. The feeds' states are read once per flush (`finish` forgets them),
    side by side with the feeds' newest (`prefetch`); then every feed's range past its
    boundary and its marks, side by side (`read`), all in `pool`, before any feed is
    rendered. `finish` also hands the flush report the pages this flush sealed or deleted."""

    index: Index
    store: FeedStore
    size: int = ARCHIVE_PAGE_SIZE
    pool: Pool = field(default_factory=lambda: Pool(1))
    writes: Pool | None = None  # writes the sealed pages (None: `pool`)
    farm: Farm | None = None  # seals some pages elsewhere (`nashra build`'s other core)
    _states: dict[str, ArchiveState] | None = None
    _pending: Callable[[], Attempt[dict[str, ArchiveState]]] | None = None
    _retractions: Callable[[], Attempt[list[Retraction]]] | None = None
    _written: list[str] = field(default_factory=list)
    _unchanged: list[str] = field(default_factory=list)
    _deleted: list[str] = field(default_factory=list)
    _failed: dict[str, BaseException] = field(default_factory=dict)  # feed -> retract error

    def read(
        self, site: Site, spec: FeedSpec, live: Callable[[], Attempt[list[Article]]]
    ) -> Reading:
        """Start reading what rendering the feed needs beyond `live` (its newest, being
        read): once it and the feeds' states are in, the first page of its articles past
        the boundary and its marks, side by side, in `pool`, and the check of its open
        page's files (`expect`). Raises nothing: a failed read is raised by `render`,
        inside the feed's failure boundary."""
        got, states = live(), self._states_read()
        if got.error is not None or states.error is not None:
            return Reading(Attempt(error=got.error or states.error))
        articles = got.get()
        state = states.get().get(spec.slug, ArchiveState())
        if len(articles) < site.items_per_feed:  # the live feed holds every article
            return Reading(Attempt((articles, state)))
        if state.open or state.sealed:  # the open page (or the page sealed now) is written
            from nashra.render.history import archive_paths

            expect(self.store, archive_paths(spec.slug, state.sealed + 1))
        oldest = place_of(articles[-1])
        after = self.index.between(spec.slug, state.boundary, oldest)
        first = self.pool.submit(partial(_pull_first, after))
        marked = None
        if state.boundary is not None:
            marked = self.pool.submit(partial(self.index.marked, spec.slug, state.boundary))
        return Reading(Attempt((articles, state)), after, first, marked, oldest)

    def render(self, site: Site, spec: FeedSpec, reading: Reading) -> RenderedFeed:
        """The feed's files (`render_feed`) with its open archive page, once every page
        that filled is sealed. `reading`: what `read` started for the feed."""
        steps = self.steps(site, spec, reading)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                rendered: RenderedFeed = done.value
                return rendered

    def plan(self, site: Site, spec: FeedSpec, reading: Reading) -> Attempt[list[Page]]:
        """The feed's pages (`plan_pages`), all at once, for `steps`; or what reading them
        raised, raised by `steps`. Only with a `Farm`: it is given every page before any
        is rendered, where a feed otherwise streams its history a page at a time."""
        try:
            if spec.slug in self._failed:  # raised again by `steps`
                raise self._failed[spec.slug]
            _, state = reading.feed.get()
            return Attempt(list(plan_pages(state, reading.unsealed(), self.size)))
        except Exception as error:  # raised again by `steps`, inside the feed's boundary
            return Attempt(error=error)

    def steps(
        self,
        site: Site,
        spec: FeedSpec,
        reading: Reading,
        planned: Attempt[list[Page]] | None = None,
    ) -> Generator[Place | None, None, RenderedFeed]:
        """`render`, one document at a time: before each page it renders, it yields the
        place of that page's newest article (None before the live feed), so a publisher can
        render every feed's pages in the order of their places (`render.model.shared_entries`).
        `planned`: the feed's pages as `plan` gave them (None: planned as they come).

        A sealed page's files are written while the next page renders, at most `SEALING`
        pages at a time, and each page is recorded, in order, once its files are written:
        whatever raises, the pages written before it are recorded first. A page the
        `farm` seals is recorded once the farm has written it, after the live feed."""
        from nashra.render import RenderedFeed, render_feed
        from nashra.render.history import render_archive_page

        if spec.slug in self._failed:  # its retractions are not resolved (`retract`)
            raise self._failed[spec.slug]
        live, before = reading.feed.get()
        state = before
        newest: int | None = None
        files: dict[str, bytes] = {}
        sealing: deque[_Sealing] = deque()
        pages = (
            planned.get()
            if planned is not None
            else plan_pages(state, reading.unsealed(), self.size)
        )
        farm = self.farm
        try:
            for page in pages:
                yield place_of(page.articles[-1]) if page.articles else None
                if page.sealed and farm is not None and farm.takes(spec.slug, page.number):
                    writes = farm.sealed(spec.slug, page.number)
                    sealing.append(_Sealing(page, sealed_state(state, page), writes, here=False))
                elif page.sealed:
                    sealing.append(self._seal(site, spec, page, state))
                    if len(sealing) > SEALING and sealing[0].here:
                        self._sealed(spec.slug, sealing.popleft())
                else:
                    files = render_archive_page(
                        site, spec, page.articles, page.number, size=self.size, last=True
                    )
                    newest = page.number
                if page.sealed:
                    state = sealing[-1].state
            yield None
            rendered = render_feed(site, spec, live, archive=newest)
        finally:
            self._sealed_all(spec.slug, sealing)
        self._settle(spec.slug, before, state, newest)
        return RenderedFeed({**rendered.files, **files}, rendered.notes)

    def _seal(self, site: Site, spec: FeedSpec, page: Page, state: ArchiveState) -> _Sealing:
        """Render the page and start writing it for good; `_sealed` records it once written.
        A failure in between leaves it open, to be written again (the same bytes, unless an
        article changed meanwhile) and sealed."""
        files = sealed_files(site, spec, page, self.size)
        writes = self.writes or self.pool
        started = [
            (path, writes.submit(partial(write_sealed, self.store, path, body)))
            for path, body in files.items()
        ]
        return _Sealing(page, sealed_state(state, page), started)

    def _sealed(self, feed: str, sealing: _Sealing) -> None:
        """Once the page's files are written, record it sealed (a failed write raises)."""
        for path, written in [(path, answer()) for path, answer in sealing.writes]:
            (self._written if written.get() else self._unchanged).append(path)
        self._record(feed, sealing.state, sealing.page.articles)

    def _sealed_all(self, feed: str, sealing: deque[_Sealing]) -> None:
        """Record every page still being written, in order, up to the first whose write
        failed (raised once every write has finished)."""
        try:
            while sealing:
                self._sealed(feed, sealing.popleft())
        finally:
            for left in sealing:  # after a failure: no write is left running
                for _, answer in left.writes:
                    answer()

    def _settle(
        self, feed: str, before: ArchiveState, state: ArchiveState, newest: int | None
    ) -> None:
        """With no sealed page, the archive is the open page alone: record that it is
        published, or delete it when the feed no longer reaches past its live feed."""
        if state.sealed:
            return
        if newest is not None and not before.open:
            self._record(feed, ArchiveState(open=True))
        elif newest is None and before.open:
            from nashra.render.history import archive_paths

            for path in archive_paths(feed, 1):
                self.store.delete(path)
                self._deleted.append(path)
            self._record(feed, None)

    def prefetch(self) -> None:
        """Start reading the feeds' states and the retractions, unless this flush has (or
        is reading) them."""
        if self._states is None and self._pending is None:
            self._pending = self.pool.submit(self.index.archives)
        if self._retractions is None:
            self._retractions = self.pool.submit(self.index.retractions)

    def retract(
        self,
        site: Site,
        specs: Sequence[FeedSpec],
        catalog: Collection[str],
        rewritten: Callable[[list[str]], None],
    ) -> None:
        """Write again, without the articles retracted from it, every sealed page of the
        feeds in `specs` that holds one (`Retraction`); then tell `rewritten` every page's
        paths at once (the CDN must drop them), and only then record the pages and forget
        the retractions, so a failure leaves them to the next render. Retractions from a
        feed no longer in `catalog` go with the feed's files; those of other feeds wait for
        a flush that renders them. Runs before the feeds render: a page sealed by this
        flush may hold an article again at a place it left before. A feed whose
        retractions fail is not rendered (`steps` raises the failure, inside the feed's
        failure boundary); a failed `rewritten` fails every feed that rewrote a page."""
        self._failed = {}
        self.prefetch()
        assert self._retractions is not None
        pending = self._retractions()
        if pending.error is not None:
            self._retractions = None  # read again by the next flush
            self._failed = {spec.slug: pending.error for spec in specs}
            return
        by_feed: dict[str, list[Retraction]] = {}
        for retraction in pending.get():
            by_feed.setdefault(retraction.feed, []).append(retraction)
        resolved = [r for feed, rs in by_feed.items() if feed not in catalog for r in rs]
        pages: dict[str, list[Rewritten]] = {}
        for spec in specs:
            retracted = by_feed.get(spec.slug)
            if not retracted:
                continue
            try:
                pages[spec.slug] = self._retract(site, spec, retracted)
            except Exception as error:  # the feed is not rendered: raised there
                self._failed[spec.slug] = error
                continue
            resolved += retracted
        self._rewritten(pages, resolved, rewritten)

    def _rewritten(
        self,
        pages: dict[str, list[Rewritten]],
        resolved: list[Retraction],
        rewritten: Callable[[list[str]], None],
    ) -> None:
        """Tell `rewritten` every page written again, then record the pages and forget
        the retractions; if it fails, the feeds that rewrote a page fail, and keep theirs."""
        paths = sorted(path for done in pages.values() for _, _, files in done for path in files)
        if paths:
            try:
                rewritten(paths)
            except Exception as error:
                self._failed.update({feed: error for feed, done in pages.items() if done})
                resolved = [r for r in resolved if r.feed not in self._failed]
        for feed, done in pages.items():
            if feed not in self._failed:
                for number, kept, _ in done:
                    self.index.rewrite_page(feed, number, [place_of(a) for a in kept])
        if resolved:
            self.index.resolve(resolved)

    def _retract(self, site: Site, spec: FeedSpec, retracted: list[Retraction]) -> list[Rewritten]:
        """Write again the feed's sealed pages that hold a place in `retracted`; each page
        written as (number, what it holds now, its paths)."""
        state = self._read_states().get(spec.slug, ArchiveState())
        boundary = state.boundary
        gone = {r.place for r in retracted}
        # A page holds only places at or before the boundary (`sealed_state`).
        maybe = [place for place in gone if boundary is not None and place <= boundary]
        holding = self.index.holding(spec.slug, maybe) if maybe else {}
        done = []
        for number in sorted(set(holding.values())):
            if number > state.sealed:  # recorded by a seal that did not complete
                continue
            places = self.index.held(spec.slug, number)
            if places is None or gone.isdisjoint(places):
                continue
            kept = self.index.articles_at(spec.slug, [p for p in places if p not in gone])
            files = sealed_files(site, spec, Page(number, tuple(kept), sealed=True), self.size)
            for path, body in files.items():
                written = rewrite_sealed(self.store, path, body)
                (self._written if written else self._unchanged).append(path)
            done.append((number, kept, sorted(files)))
        return done

    def _states_read(self) -> Attempt[dict[str, ArchiveState]]:
        """The feeds' states, once read (a failed read is tried again when asked again)."""
        if self._states is None:
            self.prefetch()
            assert self._pending is not None
            pending, self._pending = self._pending, None
            answer = pending()
            if answer.error is not None:
                return answer
            self._states = answer.get()
        return Attempt(self._states)

    def _read_states(self) -> dict[str, ArchiveState]:
        return self._states_read().get()

    def _record(
        self, feed: str, state: ArchiveState | None, sealed: Sequence[Article] = ()
    ) -> None:
        self.index.record_archive(feed, state, sealed)
        assert self._states is not None  # read before any record
        if state is None:
            self._states.pop(feed, None)
        else:
            self._states[feed] = state

    def forget(self, live: Iterable[str]) -> None:
        """Drop the archive state of every feed not in `live` (a removed section: its pages
        are deleted with its other files), so a section added again starts afresh."""
        for feed in sorted(set(self._read_states()) - set(live)):
            self._record(feed, None)
        self._states = None

    def finish(self, written: list[str], unchanged: list[str], deleted: list[str]) -> None:
        """Add what this flush sealed or deleted to the flush's lists; the next flush reads
        the states again."""
        written += self._written
        unchanged += self._unchanged
        deleted += self._deleted
        self._written, self._unchanged, self._deleted = [], [], []
        self._states = self._pending = self._retractions = None
        self._failed = {}
