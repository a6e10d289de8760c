"""Watches the content folder and mirrors every saved or deleted file into the inbox.

Editors' saves come in bursts (truncate, write, chmod, or write-temp-then-rename), so each
path is synced once it has been quiet for `debounce` seconds (100 ms by default): the
file is uploaded if it exists, its object deleted if it does not.

>>> # watcher = ContentWatcher(Path("content"), sync=lambda path: ...); watcher.start()
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

log = logging.getLogger(__name__)

IGNORED_PREFIXES = (".", "#", "~")  # editor swap, lock and backup files
IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".tmp", ".part")


def is_watched(path: Path) -> bool:
    """JSON files an editor would upload; never editor temporaries."""
    name = path.name
    return (
        name.endswith(".json")
        and not name.startswith(IGNORED_PREFIXES)
        and not name.endswith(IGNORED_SUFFIXES)
    )


class Debouncer:
    """Calls `action(path)` once per path after `delay` seconds without a new event."""

    def __init__(self, action: Callable[[Path], object], delay: float = 0.1) -> None:
        self.action = action
        self.delay = delay
        self._due: dict[Path, float] = {}
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="nashra-debounce", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def touch(self, path: Path) -> None:
        with self._cond:
            self._due[path] = time.monotonic() + self.delay
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._thread.join(5)

    def _next_ready(self) -> list[Path] | None:
        with self._cond:
            while not self._stopped:
                now = time.monotonic()
                ready = [p for p, due in self._due.items() if due <= now]
                if ready:
                    for path in ready:
                        del self._due[path]
                    return sorted(ready)
                wait = min(self._due.values(), default=now + 3600) - now
                self._cond.wait(wait)
            return None

    def _run(self) -> None:
        while (ready := self._next_ready()) is not None:
            for path in ready:
                try:
                    self.action(path)
                except Exception:  # one bad sync must not stop the watcher
                    log.exception("syncing %s failed", path)


class _Events(FileSystemEventHandler):
    def __init__(self, debouncer: Debouncer) -> None:
        self.debouncer = debouncer

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in ("opened", "closed_no_write"):
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                path = Path(os.fsdecode(raw))
                if is_watched(path):
                    self.debouncer.touch(path)


class ContentWatcher:
    """Runs a watchdog observer over `root` and a debouncer that calls `sync(path)`."""

    def __init__(self, root: Path, sync: Callable[[Path], object], debounce: float = 0.1) -> None:
        self.root = root
        self.debouncer = Debouncer(sync, debounce)
        self.observer = Observer()
        self.observer.schedule(_Events(self.debouncer), str(root), recursive=True)

    def start(self) -> None:
        self.debouncer.start()
        self.observer.start()

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(5)
        self.debouncer.stop()
