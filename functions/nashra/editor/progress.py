"""A one-line progress bar for long editor commands (`nashra import`), on stderr.

No library: editor commands run from a plain install (no `local` extra) and the package is
also the Lambda bundle, so a progress bar is not worth a dependency there. On a terminal
the bar is redrawn in place at most ten times a second; anywhere else (a log, CI, a pipe)
one line is written per tenth of the work, so logs stay short.

>>> import io
>>> out = io.StringIO()
>>> bar = Progress(20, "uploading", stream=out, clock=iter(range(100)).__next__)
>>> for _ in range(20):
...     bar.advance()
>>> bar.close()
>>> out.getvalue().splitlines()[1]
'uploading: 4/20 (20%)'
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

WIDTH = 30
REDRAW_SECONDS = 0.1


class Progress:
    """Counts finished units out of `total`; `say` prints a line without garbling the bar."""

    def __init__(
        self,
        total: int,
        label: str,
        *,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.label, self.done = total, label, 0
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.started = clock()
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self._drawn = -1.0  # when the bar was last drawn (live) …
        self._step = 0  # … or the last tenth written (not live)

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.live:
            now = self.clock()
            if now - self._drawn >= REDRAW_SECONDS or self.done >= self.total:
                self._draw(now)
        elif self.total and (step := 10 * self.done // self.total) > self._step:
            self._step = step
            self.stream.write(f"{self.label}: {self.done}/{self.total} ({10 * step}%)\n")

    def _draw(self, now: float) -> None:
        self._drawn = now
        share = self.done / self.total if self.total else 1.0
        filled = round(WIDTH * share)
        rate = self.done / max(now - self.started, 1e-9)
        eta = (self.total - self.done) / rate if rate else 0.0
        bar = "#" * filled + "-" * (WIDTH - filled)
        self.stream.write(
            f"\r{self.label} [{bar}] {self.done}/{self.total} {rate:,.0f}/s eta {eta:,.0f} s\x1b[K"
        )
        self.stream.flush()

    def say(self, line: str, out: TextIO | None = None) -> None:
        """Print `line` (on stdout unless told) above the bar."""
        if self.live:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
        print(line, file=out if out is not None else sys.stdout, flush=self.live)
        if self.live and self.done:
            self._draw(self.clock())

    def close(self) -> None:
        if self.live:
            self._draw(self.clock())
            self.stream.write("\n")
            self.stream.flush()
