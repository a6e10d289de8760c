"""Watches the content folder and mirrors every saved or deleted file into the inbox.

Editors' saves come in bursts (truncate, write, chmod, or write-temp-then-rename), so each
path is synced once it has been quiet for `debounce` seconds (100 ms by default): the
file is uploaded if it exists, its object deleted if it does not. `nashra dev` runs
`ContentWatcher(content, sync).start()` with the local stack's upload as `sync`.

A save in three writes is one sync, `delay` seconds after the last write (here with a
one-second delay and a hand-set clock, as the tests do):

>>> now = [0.0]
>>> synced: list[Path] = []
>>> debouncer = Debouncer(synced.append, delay=1.0, clock=lambda: now[0])
>>> for write_time in (0.0, 0.25, 0.5):
...     now[0] = write_time
...     debouncer.touch(Path("articles/a.json"))
>>> now[0] = 1.25
>>> debouncer.run_due(), synced
([], [])
>>> now[0] = 1.5
>>> debouncer.run_due(), synced
([PosixPath('articles/a.json')], [PosixPath('articles/a.json')])
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
    """JSON files an editor would upload (any case of .json: the stack says why it will not
    upload «Story.JSON»); never editor temporaries."""
    name = path.name
    return (
        name.lower().endswith(".json")
        and not name.startswith(IGNORED_PREFIXES)
        and not name.endswith(IGNORED_SUFFIXES)
    )


class Debouncer:
    """Calls `action(path)` once per path after `delay` seconds without a new event.

    `start()` runs the calls on a thread of their own; `clock` (seconds, monotonic) is
    injectable so that tests can decide what is due without sleeping (`run_due`).
    """

    def __init__(
        self,
        action: Callable[[Path], object],
        delay: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.action = action
        self.delay = delay
        self.clock = clock
        self._due: dict[Path, float] = {}
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="nashra-debounce", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def touch(self, path: Path) -> None:
        with self._cond:
            self._due[path] = self.clock() + self.delay
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._thread.join(5)

    def run_due(self) -> list[Path]:
        """Sync every path quiet for `delay` by the clock, in path order; return them."""
        with self._cond:
            ready = self._take_ready(self.clock())
        self._sync(ready)
        return ready

    def _take_ready(self, now: float) -> list[Path]:
        """Forget and return the paths due at `now`; the caller holds the lock."""
        ready = sorted(p for p, due in self._due.items() if due <= now)
        for path in ready:
            del self._due[path]
        return ready

    def _next_ready(self) -> list[Path] | None:
        with self._cond:
            while not self._stopped:
                now = self.clock()
                if ready := self._take_ready(now):
                    return ready
                wait = min(self._due.values(), default=now + 3600) - now
                self._cond.wait(wait)
            return None

    def _sync(self, paths: list[Path]) -> None:
        for path in paths:
            try:
                self.action(path)
            except Exception:  # one bad sync must not stop the watcher
                log.exception("syncing %s failed", path)

    def _run(self) -> None:
        while (ready := self._next_ready()) is not None:
            self._sync(ready)


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
