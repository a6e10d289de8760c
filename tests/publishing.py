"""What the publisher tests share: a feed store in memory and an inbox folder holding
content/'s configuration and no article yet."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

CONTENT = Path(__file__).resolve().parents[1] / "content"


class CountingStore:
    """FeedStore in memory that counts real writes (the publisher writes files side by
    side, so the count is kept under a lock)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.puts = 0
        self._lock = threading.Lock()

    def write(
        self, path: str, body: bytes, content_type: str, cache_control: str, *, once: bool = False
    ) -> bool:
        assert "charset=utf-8" in content_type
        assert "max-age" in cache_control
        with self._lock:
            if self.files.get(path) == body:
                return False
            self.files[path] = body
            self.puts += 1
        return True

    def paths(self) -> Iterator[str]:
        yield from sorted(self.files)

    def delete(self, path: str) -> None:
        del self.files[path]


def empty_inbox(tmp_path: Path) -> Path:
    """A content folder with content/'s site.json and sections.json, and no article."""
    root = tmp_path / "content"
    (root / "articles").mkdir(parents=True)
    for name in ("site.json", "sections.json"):
        shutil.copy(CONTENT / name, root / name)
    return root
