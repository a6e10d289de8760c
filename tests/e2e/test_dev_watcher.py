"""The content watcher: editor save bursts become one sync per file."""

from __future__ import annotations

import os
import threading
import time
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


def test_a_burst_of_events_is_one_call() -> None:
    calls = Calls()
    debouncer = Debouncer(calls, delay=0.1)
    debouncer.start()
    try:
        path = Path("/x/articles/a.json")
        for _ in range(10):
            debouncer.touch(path)
            time.sleep(0.01)
        wait_for(lambda: calls.count(path) == 1, timeout=5, what="the debounced call")
        time.sleep(0.2)
        assert calls.count(path) == 1
    finally:
        debouncer.stop()


def test_editor_temporaries_are_ignored() -> None:
    assert is_watched(Path("articles/a.json"))
    assert not is_watched(Path("articles/.a.json.swp"))
    assert not is_watched(Path("articles/.#a.json"))
    assert not is_watched(Path("articles/a.json~"))
    assert not is_watched(Path("articles/a.txt"))


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
        time.sleep(0.3)
        assert all(p.suffix == ".json" for p in calls.paths)
        assert temp not in calls.paths
    finally:
        watcher.stop()
