"""The content watcher: editor save bursts become one sync per file.

What is due and when is decided on a hand-set clock (no sleeping); the real watcher over a
real folder is checked with events: a later file's sync proves an earlier one was skipped.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from nashra.dev.watcher import ContentWatcher, Debouncer, is_watched

from .conftest import wait_for

pytestmark = pytest.mark.e2e


class Calls:
    def __init__(self) -> None:
        self.paths: list[Path] = []
        self.lock = threading.Lock()

    def __call__(self, path: Path) -> None:
        with self.lock:
            self.paths.append(path)

    def count(self, path: Path) -> int:
        with self.lock:
            return self.paths.count(path)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# The fake-clock tests use a one-second delay and times that are exact in binary.


def test_a_burst_of_events_is_one_call_after_the_quiet_delay() -> None:
    calls, clock = Calls(), Clock()
    debouncer = Debouncer(calls, delay=1.0, clock=clock)
    path = Path("/x/articles/a.json")
    for step in range(9):  # an event every 125 ms for a second
        clock.now = step * 0.125
        debouncer.touch(path)
        assert debouncer.run_due() == []
    clock.now = 1.0 + 0.875  # less than the delay after the last event: still waiting
    assert debouncer.run_due() == []
    clock.now = 1.0 + 1.0
    assert debouncer.run_due() == [path]
    clock.now = 100.0  # and nothing more, however long it stays quiet
    assert debouncer.run_due() == []
    assert calls.paths == [path]


def test_each_path_has_its_own_delay_and_is_synced_again_after_a_new_event() -> None:
    calls, clock = Calls(), Clock()
    debouncer = Debouncer(calls, delay=1.0, clock=clock)
    a, b = Path("articles/a.json"), Path("articles/b.json")
    debouncer.touch(b)
    clock.now = 0.5
    debouncer.touch(a)
    clock.now = 1.0
    assert debouncer.run_due() == [b]
    clock.now = 1.5
    assert debouncer.run_due() == [a]
    debouncer.touch(a)
    clock.now = 2.5
    assert debouncer.run_due() == [a]
    assert calls.paths == [b, a, a]


def test_a_failing_sync_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    calls, clock = Calls(), Clock()

    def sync(path: Path) -> None:
        if path.name == "bad.json":
            raise OSError("disk gone")
        calls(path)

    debouncer = Debouncer(sync, delay=1.0, clock=clock)
    bad, good = Path("articles/bad.json"), Path("articles/good.json")
    debouncer.touch(bad)
    debouncer.touch(good)
    clock.now = 1.0
    assert debouncer.run_due() == [bad, good]
    assert calls.paths == [good]
    assert "syncing articles/bad.json failed" in caplog.text


def test_the_debouncer_thread_calls_once_the_delay_has_passed() -> None:
    calls = Calls()
    debouncer = Debouncer(calls, delay=0.05)
    debouncer.start()
    try:
        path = Path("/x/articles/a.json")
        for _ in range(5):
            debouncer.touch(path)
        wait_for(lambda: calls.count(path) == 1, timeout=5, what="the debounced call")
    finally:
        debouncer.stop()
    assert calls.paths == [path]


def test_editor_temporaries_are_ignored() -> None:
    assert is_watched(Path("articles/a.json"))
    assert not is_watched(Path("articles/.a.json.swp"))
    assert not is_watched(Path("articles/.#a.json"))
    assert not is_watched(Path("articles/a.json~"))
    assert not is_watched(Path("articles/a.txt"))


def test_a_file_nashra_would_never_read_is_said_not_uploaded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """«Story.JSON» is watched so that the stack can say why it does not upload it: in the
    inbox it would sit unread, with no report."""
    from nashra.dev.stack import content_files, inbox_key

    root = tmp_path / "content"
    (root / "articles").mkdir(parents=True)
    upper, fine = root / "articles" / "Story.JSON", root / "articles" / "story.json"
    upper.write_text("{}", encoding="utf-8")
    fine.write_text("{}", encoding="utf-8")
    assert is_watched(upper)
    assert content_files(root) == [upper, fine]
    with caplog.at_level("WARNING"):
        assert inbox_key(root, upper) is None
        assert inbox_key(root, fine) == "articles/story.json"
    [record] = caplog.records
    assert "Story.JSON: not uploaded: 'Story.JSON' would never be published" in record.getMessage()
    assert "rename it 'Story.json'" in record.getMessage()


def test_created_changed_renamed_and_deleted_files_are_synced(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    calls = Calls()
    watcher = ContentWatcher(tmp_path, calls, debounce=0.1)
    watcher.start()
    try:
        target = tmp_path / "articles" / "new.json"
        target.write_text("{}", encoding="utf-8")
        wait_for(lambda: calls.count(target) == 1, timeout=5, what="the created file")
        with target.open("a", encoding="utf-8") as handle:  # a save in three writes
            for chunk in ("\n", " ", "\n"):
                handle.write(chunk)
                handle.flush()
        wait_for(lambda: calls.count(target) == 2, timeout=5, what="the changed file")
        temp = tmp_path / "articles" / ".new.json.tmp"
        temp.write_text('{"a": 1}', encoding="utf-8")
        os.replace(temp, target)  # atomic save, as many editors do it
        wait_for(lambda: calls.count(target) == 3, timeout=5, what="the renamed file")
        target.unlink()
        wait_for(lambda: calls.count(target) == 4, timeout=5, what="the deleted file")
        (tmp_path / "articles" / "notes.txt").write_text("x", encoding="utf-8")
        # Events arrive in order: once a later file is synced, notes.txt was seen and skipped.
        marker = tmp_path / "articles" / "later.json"
        marker.write_text("{}", encoding="utf-8")
        wait_for(lambda: calls.count(marker) == 1, timeout=5, what="the later file")
    finally:
        watcher.stop()
    assert calls.paths == [target] * 4 + [marker]
