"""`nashra build` from its cache after any sequence of changes: always a clean build's output.

test_build.py checks one change at a time. Here Hypothesis drives a small content folder
through sequences of them, building into the same output folder with the same cache after
some of them, and checks after every build that the output folder, the outcomes, counts
and problems are those of a clean build (one process, no cache, an empty folder) of the
folder as it is, at the same time. Whatever mode the build chose (unchanged, incremental
or full) is accepted; only what it gives is compared.

The changes (`CHANGES`), one to three between two builds: articles added, edited (title,
body, section, status, id, breaking, `updated`, a correction, `published` older or newer:
into a sealed archive page, or ahead of the clock), deleted and renamed; two files claiming
one id; a file made invalid and fixed, grown past 1 MiB, misnamed (H.JSON), touched or
rewritten unchanged; `items_per_feed` (0: a config nashra refuses) or a section's title
changed, a section removed and added back; an output file edited or deleted by hand, a
stray feed's file, a build into the output folder without the cache; the clock moved on
(past a scheduled article's time, or a date too far ahead coming within range) or back.
Builds run on one core or on two (the pool validating ahead, the farm sealing pages in a
forked process). After a build of a config nashra refuses, the output folder is checked to
be the last one, untouched, and the report the clean build's.

Archive pages hold 2 articles here (nashra's hold 50, `ARCHIVE_PAGE_SIZE`) and feeds 1 to
3 items, so a handful of articles fill, seal and reopen pages; the cache's results file is
compacted as soon as half of it is stale. Files get a new mtime at
every write (`Folder.stamp`), so a stat that did not move means bytes that did not change,
and the stat-trust windows are zeroed as in test_build.py; `test_..._on_a_fast_clock`
keeps the real windows and the file system's own times instead.

Examples: 12 by default (NASHRA_HYPOTHESIS_EXAMPLES sets more, for a long run).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)

import nashra.builder as build_module
from nashra.builder import Built, build
from nashra.builder import ahead as ahead_module
from nashra.builder import cache as cache_module
from nashra.builder import farm as farm_module
from nashra.builder.cache import BuildCache, Manifest
from nashra.publish import Publisher

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
EXAMPLES = int(os.environ.get("NASHRA_HYPOTHESIS_EXAMPLES", "12"))
PAGE = 2  # articles per archive page in these builds
SECTIONS = ("gulf", "sports", "economy")
# Article files; an article without an `id` takes its file's name ("g" for sub/g.json). An
# upload named H.JSON is read and rejected for its name (B-21).
SLOTS = ("a.json", "b.json", "c.json", "d.json", "e.json", "f.json", "sub/g.json", "H.JSON")
IDS = (None, None, None, "a", "x")
DATES = (
    "2025-01-01T00:00:00Z",  # older than everything: into the first sealed page
    "2026-10-01T08:00:00Z",
    "2026-11-20T08:00:00",  # the site's zone (Asia/Kuwait): 05:00Z ...
    "2026-11-20T05:00:00Z",  # ... the same instant, written otherwise
    "2026-11-25T10:00:00+03:00",
    "2026-11-29T11:59:59Z",
    "2026-11-29T12:30:00Z",  # scheduled at first, published half an hour on
    "2026-12-05T00:00:00Z",  # scheduled for days
    "2027-01-15T00:00:00Z",  # over 30 days ahead: rejected (B-20) until the clock nears it
)
# «عاجل» (breaking) puts an article in the `breaking` feed too.
TITLES = ("وزير الدفاع يلتقي نظيره", "عنوان جديد", "عاجل: الوزير يلتقي نظيره", "خبر")
# Five hours after the first build's time, seven (too far ahead then, B-9), a week.
UPDATES = ("2026-11-29T17:00:00Z", "2026-11-29T19:00:00Z", "2026-12-06T00:00:00Z")
BODIES = ("<p>التقى الوزير نظيره.</p>", "<p>نص جديد كله.</p>", "<p>نص <b>مصحح</b></p>")
STEPS = (
    timedelta(minutes=31),
    timedelta(hours=6),
    timedelta(days=7),
    timedelta(days=40),
    timedelta(hours=-2),  # a clock that went back
)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


Change = tuple[Any, ...]
SLOT = st.sampled_from(SLOTS)
ARTICLES = st.fixed_dictionaries(
    {
        "section": st.sampled_from(SECTIONS),
        "title": st.sampled_from(TITLES),
        "published": st.sampled_from(DATES),
        "body": st.sampled_from(BODIES),
    },
    optional={"id": st.sampled_from(IDS[3:]), "status": st.just("draft")},
)
FIELDS = st.one_of(
    st.tuples(st.just("title"), st.sampled_from(TITLES)),
    st.tuples(st.just("body"), st.sampled_from(BODIES)),
    st.tuples(st.just("section"), st.sampled_from((*SECTIONS, "weather"))),  # weather: none
    st.tuples(st.just("published"), st.sampled_from(DATES)),
    st.tuples(st.just("status"), st.sampled_from(("draft", "published"))),
    st.tuples(st.just("id"), st.sampled_from(IDS)),
    st.tuples(st.just("breaking"), st.sampled_from((True, None))),
    st.tuples(st.just("updated"), st.sampled_from((*UPDATES, None))),
    st.tuples(st.just("correction"), st.sampled_from(("ذكرت نسخة سابقة خطأ والصحيح هذا.", None))),
)
# What may happen to the folder between two builds: article changes most often.
CHANGES = st.one_of(
    st.tuples(st.just("write"), SLOT, ARTICLES),
    st.tuples(st.just("edit"), SLOT, FIELDS).map(lambda c: (c[0], c[1], *c[2])),
    st.tuples(st.just("edit"), SLOT, FIELDS).map(lambda c: (c[0], c[1], *c[2])),
    st.tuples(st.just("delete"), SLOT),
    st.tuples(st.just("rename"), SLOT, SLOT),
    st.tuples(st.just("break_json"), SLOT),
    st.tuples(st.just("fix"), SLOT),
    st.tuples(st.just("huge"), SLOT),
    st.tuples(st.just("touch"), SLOT, st.booleans()),
    st.tuples(st.just("clock"), st.sampled_from(STEPS)),
    st.tuples(st.just("uncached")),
    st.tuples(st.just("tamper"), st.sampled_from(("edit", "delete", "stray")), st.integers(0, 99)),
    st.tuples(st.just("items_per_feed"), st.integers(0, 3))  # 0: refused (B-16)
    | st.tuples(st.just("toggle_section"))
    | st.tuples(
        st.just("section_title"),
        st.integers(0, len(SECTIONS) - 1),
        st.sampled_from(("خليج", "رياضة", "جديد")),
    ),
)


class Folder(RuleBasedStateMachine):
    """A content folder, built into one output folder with one cache after some changes,
    and checked against a clean build of it at every build."""

    base: Path
    explicit_mtimes = True

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(dir=self.base))
        self.content = self.root / "content"
        self.out, self.cache = self.root / "out", self.root / "cache"
        self.now = NOW
        self.tick = 0
        self.last: dict[str, dict[str, Any]] = {}  # each slot's last valid article
        (self.content / "articles").mkdir(parents=True)
        site = json.loads((ROOT / "content" / "site.json").read_text("utf-8"))
        self.site = {**site, "items_per_feed": 2}
        every = json.loads((ROOT / "content" / "sections.json").read_text("utf-8"))
        self.sections = [s for s in every if s["slug"] in SECTIONS]
        self.write_config()

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # -- the folder -------------------------------------------------------------------------

    def path(self, slot: str) -> Path:
        return self.content / "articles" / slot

    def stamp(self, path: Path) -> None:
        """A new mtime for a file just written: a stat that did not move is a file that did
        not change (the windows are zeroed; a write within one clock tick could keep it)."""
        if self.explicit_mtimes:
            self.tick += 1
            when = 1_700_000_000_000_000_000 + self.tick * 1_000_000
            os.utime(path, ns=(when, when))

    def put(self, path: Path, raw: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
        self.stamp(path)

    def write_config(self) -> None:
        self.put(self.content / "site.json", json.dumps(self.site, ensure_ascii=False).encode())
        raw = json.dumps(self.sections, ensure_ascii=False).encode()
        self.put(self.content / "sections.json", raw)

    def store(self, slot: str, fields: dict[str, Any]) -> None:
        self.last[slot] = fields
        self.put(self.path(slot), json.dumps(fields, ensure_ascii=False).encode())

    def current(self, slot: str) -> dict[str, Any] | None:
        """The slot's article as it is on disk, if it is one that parses."""
        try:
            data = json.loads(self.path(slot).read_bytes())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    # -- changes ------------------------------------------------------------------------------

    def apply(self, change: Change) -> None:
        """One change to the folder, or to the clock (`CHANGES`)."""
        kind, *args = change
        getattr(self, kind)(*args)

    def write(self, slot: str, fields: dict[str, Any]) -> None:
        """An article added, or one file written over with another."""
        self.store(slot, fields)

    def edit(self, slot: str, name: str, value: object) -> None:
        """One field of an article changed (None: taken out)."""
        fields = self.current(slot)
        if fields is not None:
            fields.pop(name, None)
            self.store(slot, fields if value is None else {**fields, name: value})

    def delete(self, slot: str) -> None:
        self.path(slot).unlink(missing_ok=True)

    def rename(self, slot: str, to: str) -> None:
        """A file renamed, over another if that one exists (its stat goes with it)."""
        if slot != to and self.path(slot).exists():
            self.path(to).parent.mkdir(parents=True, exist_ok=True)
            self.path(slot).replace(self.path(to))
            if slot in self.last:
                self.last[to] = self.last.pop(slot)

    def break_json(self, slot: str) -> None:
        self.put(self.path(slot), b'{"section": "gulf", "title": ')

    def fix(self, slot: str) -> None:
        """The slot's last valid article written back (over a broken or huge file)."""
        if slot in self.last:
            self.store(slot, self.last[slot])

    def huge(self, slot: str) -> None:
        """A file over 1 MiB: rejected on its size, never read whole (B-1)."""
        self.put(self.path(slot), b" " * (1024 * 1024 + 1))

    def touch(self, slot: str, rewrite: bool) -> None:
        """A file's stat moved, its bytes the same (saved again, or touched)."""
        path = self.path(slot)
        if path.exists():
            self.put(path, path.read_bytes()) if rewrite else self.stamp(path)

    def items_per_feed(self, items: int) -> None:
        self.site["items_per_feed"] = items
        self.write_config()

    def section_title(self, n: int, title: str) -> None:
        n %= len(self.sections)  # the last may be gone (`toggle_section`)
        self.sections[n] = {**self.sections[n], "title": title}
        self.write_config()

    def toggle_section(self) -> None:
        """The last section removed (its articles rejected, its feeds gone), or back."""
        every = json.loads((ROOT / "content" / "sections.json").read_text("utf-8"))
        last = next(s for s in every if s["slug"] == SECTIONS[-1])
        shown = [s for s in self.sections if s["slug"] != SECTIONS[-1]]
        self.sections = shown if len(shown) < len(self.sections) else [*shown, last]
        self.write_config()

    def tamper(self, how: str, n: int) -> None:
        """An output file changed or deleted by hand, or a stray feed's file put there."""
        files = sorted(p for p in self.out.rglob("*") if p.is_file())
        if how == "stray":
            self.put(self.out / "old-section" / "atom.xml", b"<feed/>")
        elif files and how == "edit":
            files[n % len(files)].write_bytes(b"<rss/>")
        elif files:
            files[n % len(files)].unlink()

    def uncached(self) -> None:
        """A build into the same output folder without the cache (another one held it, or
        another cache folder was given): the next build with it finds the output moved."""
        build(self.content, self.out, jobs=1, now=self.now)

    def clock(self, step: timedelta) -> None:
        self.now += step

    # -- builds -------------------------------------------------------------------------------

    @initialize(
        slots=st.lists(st.sampled_from(SLOTS), min_size=4, max_size=len(SLOTS), unique=True),
        dates=st.lists(st.sampled_from(DATES[:6]), min_size=len(SLOTS), max_size=len(SLOTS)),
        sections=st.lists(st.sampled_from(SECTIONS[:2]), min_size=len(SLOTS), max_size=len(SLOTS)),
    )
    def start(self, slots: list[str], dates: list[str], sections: list[str]) -> None:
        """A few articles, then a first build (full)."""
        for n, slot in enumerate(slots):
            fields = {"section": sections[n], "title": TITLES[0], "body": BODIES[0]}
            self.store(slot, {**fields, "published": dates[n]})
        self.build_and_compare(1)

    @rule(changes=st.lists(CHANGES, min_size=1, max_size=3), jobs=st.sampled_from((1, 1, 2)))
    def step(self, changes: list[Change], jobs: int) -> None:
        """A few changes, then a build on one core or two."""
        for change in changes:
            self.apply(change)
        self.build_and_compare(jobs)

    def build_and_compare(self, jobs: int) -> None:
        before = tree(self.out)
        built = build(self.content, self.out, cache=self.cache, jobs=jobs, now=self.now)
        event(f"build: {built.mode}")
        clean = self.root / "clean"
        shutil.rmtree(clean, ignore_errors=True)
        reference = build(self.content, clean, jobs=1, now=self.now)
        if reference.config_problems:
            # A config nashra refuses: nothing is rendered, and the feeds published last
            # stay as they were (with or without a cache), where a clean build has none.
            assert (tree(self.out), tree(clean)) == (before, {})
            assert built.config_problems == reference.config_problems
            assert built.outcomes == reference.outcomes
            return
        assert_same(built, reference, self.out, clean)


def assert_same(built: Built, reference: Built, out: Path, clean: Path) -> None:
    """`built`'s output folder and report are the clean build's."""
    assert tree(out) == tree(clean), built.mode
    assert built.outcomes == reference.outcomes, built.mode
    assert (built.counts, built.problems) == (reference.counts, reference.problems), built.mode
    assert built.config_problems == reference.config_problems
    done = sorted(built.written + built.unchanged)
    assert done == sorted(reference.written + reference.unchanged), built.mode


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Archive pages of `PAGE` articles in every build (the publisher's and the builder's
    own reseal), the pool and the farm used however few the files and pages, and the
    cache's results compacted once half of them are stale (not 1 MiB of them)."""
    monkeypatch.setattr(build_module, "Publisher", functools.partial(Publisher, archive_page=PAGE))
    monkeypatch.setattr(build_module, "ARCHIVE_PAGE_SIZE", PAGE)
    monkeypatch.setattr(build_module, "POOL_MIN", 1)
    monkeypatch.setattr(ahead_module, "CHUNK", 2)
    monkeypatch.setattr(farm_module, "FORK_MIN", 1)
    monkeypatch.setattr(farm_module, "can_fork", lambda: True)
    monkeypatch.setattr(BuildCache, "wasteful", _wasteful)


def _wasteful(cache: BuildCache, manifest: Manifest) -> bool:
    size = cache_module._size(cache.folder / manifest.results)
    return size is None or size > 2 * manifest.live


SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=20,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_any_sequence_of_changes_builds_what_a_clean_build_does(
    small_pages: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The promise of the build cache (docs/design.md, "Running it without AWS"): whatever
    changed between builds, each build's output folder and report are a clean build's."""
    monkeypatch.setattr(cache_module, "_FINE_WINDOW_NS", 0)
    monkeypatch.setattr(cache_module, "_COARSE_WINDOW_NS", 0)
    machine = type("Machine", (Folder,), {"base": tmp_path})
    run_state_machine_as_test(machine, settings=SETTINGS)


def test_any_sequence_of_changes_builds_what_a_clean_build_does_on_a_fast_clock(
    small_pages: None, tmp_path: Path
) -> None:
    """The real stat-trust windows, and the times the file system gives: a file written
    twice within one tick of its clock keeps its stat, and is hashed again instead."""
    machine = type("Machine", (Folder,), {"base": tmp_path, "explicit_mtimes": False})
    run_state_machine_as_test(machine, settings=SETTINGS)


# -- what the sequences found ---------------------------------------------------------------


def small_site(tmp_path: Path, items: int, stories: int) -> Path:
    """A content folder of `stories` gulf articles a day apart, `items` per feed."""
    content = tmp_path / "content"
    (content / "articles").mkdir(parents=True)
    site = json.loads((ROOT / "content" / "site.json").read_text("utf-8"))
    (content / "site.json").write_text(json.dumps({**site, "items_per_feed": items}), "utf-8")
    shutil.copy(ROOT / "content" / "sections.json", content / "sections.json")
    for n in range(stories):
        fields = {"section": "gulf", "title": TITLES[0], "body": BODIES[0]}
        fields["published"] = f"2026-11-{10 + n:02}T08:00:00Z"
        raw = json.dumps(fields, ensure_ascii=False)
        (content / "articles" / f"s{n}.json").write_text(raw, "utf-8")
    return content


def cached_and_clean(content: Path, tmp_path: Path) -> tuple[Built, Built]:
    built = build(content, tmp_path / "out", cache=tmp_path / "cache", jobs=1, now=NOW)
    shutil.rmtree(tmp_path / "clean", ignore_errors=True)
    return built, build(content, tmp_path / "clean", jobs=1, now=NOW)


def test_an_archive_page_deleted_by_an_incremental_build_is_reported_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A feed of three articles, two a feed, has an open archive page; one deleted, the
    incremental build deletes the page, as a clean build never writes it. The build's
    report (written and unchanged files) and the cache's list of its output files say it
    is gone: the next build finds the output as it left it, and reads nothing again."""
    monkeypatch.setattr(cache_module, "_FINE_WINDOW_NS", 0)
    monkeypatch.setattr(cache_module, "_COARSE_WINDOW_NS", 0)
    content = small_site(tmp_path, items=2, stories=3)
    first, _ = cached_and_clean(content, tmp_path)
    assert "gulf/archive/1/atom.xml" in first.written
    (content / "articles" / "s0.json").unlink()
    built, reference = cached_and_clean(content, tmp_path)
    assert built.mode == "incremental"
    assert_same(built, reference, tmp_path / "out", tmp_path / "clean")
    again, reference = cached_and_clean(content, tmp_path)
    assert (again.mode, again.written) == ("unchanged", [])
    assert_same(again, reference, tmp_path / "out", tmp_path / "clean")


def test_archive_pages_of_a_longer_history_built_without_the_cache_are_deleted(
    small_pages: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build without the cache (another held it, or `--no-cache`) of a longer history
    writes archive pages the cache never hears of; the history shrinks again, and the next
    build with the cache finds the output moved and builds in full. It must delete those
    pages too, or its folder keeps pages a clean build never writes (found by the
    sequences: six stories, one built uncached, then one made a draft)."""
    monkeypatch.setattr(cache_module, "_FINE_WINDOW_NS", 0)
    monkeypatch.setattr(cache_module, "_COARSE_WINDOW_NS", 0)
    content = small_site(tmp_path, items=2, stories=6)
    draft = content / "articles" / "s5.json"
    kept = draft.read_bytes()
    draft.write_text(json.dumps({**json.loads(kept), "status": "draft"}), "utf-8")
    cached_and_clean(content, tmp_path)
    draft.write_bytes(kept)  # six stories: pages 1 and 2 sealed, 3 open
    longer = build(content, tmp_path / "out", jobs=1, now=NOW)
    assert "gulf/archive/3/atom.xml" in longer.written
    draft.write_text(json.dumps({**json.loads(kept), "status": "draft"}), "utf-8")
    built, reference = cached_and_clean(content, tmp_path)
    assert built.mode == "full"
    assert "gulf/archive/3/atom.xml" not in reference.written
    assert_same(built, reference, tmp_path / "out", tmp_path / "clean")
