"""A full build seals its archive pages on two cores (`nashra.builder.farm`): a forked
process seals the newer share, and what it writes is what one process writes.

The forked process writes real files (a folder store): an in-memory store would keep its
writes in the child. In a test process, other tests leave idle executor threads behind,
so `can_fork` (no thread but this one) would refuse; the tests here allow fork on Linux
regardless, and `test_a_process_with_threads_does_not_fork` checks the refusal itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from nashra.adapters.local import FolderSource, FolderStore, MemoryIndex, MemoryReports
from nashra.builder import farm as farm_module
from nashra.builder.farm import ForkFarm, can_fork
from nashra.core.keys import CONFIG_KEYS
from nashra.publish import Publisher
from publishing import empty_inbox

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="fork is used on Linux only")

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
LIVE, PAGE = 3, 2  # items_per_feed, articles per archive page
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(farm_module, "can_fork", lambda: True)
    monkeypatch.setattr(farm_module, "FORK_MIN", 1)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


class Desk:
    """An inbox of stories in two sections, published into a folder by one publisher a
    batch, with or without a farm."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.inbox = empty_inbox(root)
        site = json.loads((self.inbox / "site.json").read_text("utf-8"))
        site["items_per_feed"] = LIVE
        (self.inbox / "site.json").write_text(json.dumps(site), "utf-8")
        self.index = MemoryIndex()

    def story(self, n: int, day: int | None = None) -> str:
        """Story `n`, on a day of November 1-27 (`day`: that day instead)."""
        body = {
            "id": f"s{n:03}",
            "section": ["economy", "gulf"][n % 2],
            "title": f"خبر رقم {n}",
            "body": f"<p>نص الخبر رقم {n}.</p>",
            "published": f"2026-11-{day or 1 + n % 27:02}T{n % 24:02}:{n % 60:02}:00+03:00",
        }
        key = f"articles/s{n:03}.json"
        (self.inbox / key).write_text(json.dumps(body, ensure_ascii=False), "utf-8")
        return key

    def publish(
        self, keys: list[str], out: Path, farm: ForkFarm | None, index: MemoryIndex | None = None
    ) -> Any:
        return Publisher(
            source=FolderSource(self.inbox),
            index=self.index if index is None else index,
            store=FolderStore(out),
            reports=MemoryReports(),
            clock=lambda: NOW,
            archive_page=PAGE,
            farm=farm,
        ).publish(keys)


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return Desk(tmp_path)


def test_pages_sealed_in_a_forked_process_are_the_bytes_one_process_writes(
    desk: Desk, tmp_path: Path
) -> None:
    keys = [*CONFIG_KEYS, *(desk.story(n) for n in range(60))]
    farm = ForkFarm()
    report = desk.publish(keys, tmp_path / "farmed", farm).flush
    alone = MemoryIndex()
    desk.publish(keys, tmp_path / "alone", None, alone)
    assert farm.forked and farm.taken >= 10
    assert tree(tmp_path / "farmed") == tree(tmp_path / "alone")
    assert desk.index.archives() == alone.archives()
    assert report.failed == []
    sealed = {p for p in report.written if "/archive/" in p}
    assert sum(farm.takes(p.split("/")[0], int(p.split("/")[2])) for p in sealed) == 2 * farm.taken


def test_each_feed_gives_the_farm_a_run_of_its_newest_pages(desk: Desk, tmp_path: Path) -> None:
    """Recorded in order, a feed's pages must be the publisher's first, the farm's after."""
    keys = [*CONFIG_KEYS, *(desk.story(n) for n in range(60))]
    farm = ForkFarm()
    desk.publish(keys, tmp_path / "out", farm)
    for feed, state in desk.index.archives().items():
        taken = [farm.takes(feed, number) for number in range(1, state.sealed + 1)]
        assert taken == sorted(taken), feed  # False… then True…
        assert any(taken) and not all(taken), feed


@pytest.fixture
def parent() -> Iterator[int]:
    yield os.getpid()


def test_a_page_the_farm_could_not_seal_stays_open_and_the_next_publish_seals_it(
    desk: Desk, tmp_path: Path, parent: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = [*CONFIG_KEYS, *(desk.story(n) for n in range(60))]
    farm = ForkFarm()
    sealed_files = farm_module.sealed_files
    broken: list[int] = []

    def failing(site: Any, spec: Any, page: Any, size: int) -> dict[str, bytes]:
        """In the child only: its first page of economy (its oldest there) raises."""
        if os.getpid() != parent and spec.slug == "economy" and not broken:
            broken.append(page.number)
            raise RecursionError(f"page {page.number}")
        return sealed_files(site, spec, page, size)

    monkeypatch.setattr(farm_module, "sealed_files", failing)
    report = desk.publish(keys, tmp_path / "out", farm).flush
    first_taken = min(n for n in range(1, 40) if farm.takes("economy", n))
    assert [name for name, _ in report.failed] == ["economy"]
    assert desk.index.archives()["economy"].sealed == first_taken - 1
    assert desk.index.archives()["gulf"].sealed > 0  # the other feeds publish

    monkeypatch.setattr(farm_module, "sealed_files", sealed_files)
    more = desk.story(60, day=28)  # the newest; the next publish, farm working, seals the rest
    desk.publish([more], tmp_path / "out", ForkFarm())
    clean = MemoryIndex()
    desk.publish([*keys, more], tmp_path / "clean", None, clean)
    assert desk.index.archives() == clean.archives()
    assert tree(tmp_path / "out") == tree(tmp_path / "clean")


def test_a_farm_that_dies_seals_nothing_and_the_feeds_say_so(
    desk: Desk, tmp_path: Path, parent: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = [*CONFIG_KEYS, *(desk.story(n) for n in range(60))]

    def dying(*args: Any) -> dict[str, bytes]:
        if os.getpid() != parent:
            os._exit(3)  # killed mid-way: no report at all
        raise AssertionError("the parent seals its own pages with Archive._seal")

    monkeypatch.setattr(farm_module, "sealed_files", dying)
    farm = ForkFarm()
    report = desk.publish(keys, tmp_path / "out", farm).flush
    assert farm.forked
    assert sorted(name for name, _ in report.failed) == ["all", "economy", "gulf"]
    assert all("was not sealed" in why for _, why in report.failed)
    for feed, state in desk.index.archives().items():  # only the publisher's own pages
        assert not any(farm.takes(feed, n) for n in range(1, state.sealed + 1)), feed


def test_a_process_with_threads_does_not_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real `can_fork`
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not can_fork()
    finally:
        stop.set()
        thread.join()


def test_a_process_that_would_leave_too_little_memory_does_not_fork(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The child copies what it reads of the index: with less memory available than the
    process holds, or figures that cannot be read, every page is sealed here."""
    monkeypatch.undo()
    page = os.sysconf("SC_PAGE_SIZE")
    statm = tmp_path / "statm"
    statm.write_text(f"{2 * 2**30 // page} {2**30 // page} 0 0 0 0 0\n")  # 1 GiB resident
    meminfo = tmp_path / "meminfo"
    for available_kib, room in ((4 * 2**20, True), (2**20, True), (2**20 - 1, False)):
        meminfo.write_text(f"MemTotal: 8000000 kB\nMemAvailable: {available_kib} kB\n")
        assert farm_module.room_to_fork(str(meminfo), str(statm)) is room
    meminfo.write_text("MemTotal: 8000000 kB\n")  # no MemAvailable (Linux before 3.14)
    assert not farm_module.room_to_fork(str(meminfo), str(statm))
    assert not farm_module.room_to_fork(str(tmp_path / "none"), str(statm))
    assert farm_module.room_to_fork()  # this machine, this test process
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # other tests' idle threads
    assert farm_module.can_fork()
    monkeypatch.setattr(farm_module, "room_to_fork", lambda: False)
    assert not farm_module.can_fork()


def test_nashra_build_seals_pages_on_a_second_core(tmp_path: Path) -> None:
    """The command itself: its pool of validating processes is closed before the flush,
    so the build forks (in a fresh process, as an editor runs it), and says so."""
    content = empty_inbox(tmp_path)
    for n in range(1200):  # 43 pages to seal: over FORK_MIN
        section = ["economy", "gulf", "sports", "culture"][n % 4]
        story = {
            "id": f"s{n:04}",
            "section": section,
            "title": f"خبر رقم {n}",
            "body": f"<p>نص الخبر رقم {n}.</p>",
            "published": f"2026-{1 + n % 11:02}-{1 + n % 28:02}T{n % 24:02}:00:00+03:00",
        }
        path = content / "articles" / f"s{n:04}.json"
        path.write_text(json.dumps(story, ensure_ascii=False), "utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "functions")}
    runs = {}
    for jobs in ("2", "1"):
        out = tmp_path / f"out{jobs}"
        cmd = [sys.executable, "-m", "nashra.cli", "build", str(content), "--out", str(out)]
        done = subprocess.run(
            [*cmd, "--no-cache", "--jobs", jobs, "-v"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        runs[jobs] = done.stdout
    assert "archive pages sealed by a second process" in runs["2"]
    assert "second process" not in runs["1"]
    assert tree(tmp_path / "out2") == tree(tmp_path / "out1")
