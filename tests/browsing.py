"""Headless Chromium over a built site served on 127.0.0.1 (tests/browser).

`serve` sends what the CDN sends for each file (`content_type_for`, `cache_control_for`,
and `X-Content-Type-Options: nosniff`, which CloudFront's managed security headers add),
so the browser decides how to show a feed from the same headers readers get.

Chromium is Debian's (`make system-deps` installs it), driven through its command line:
`--screenshot` and `--dump-dom` in one run per page, each in a profile of its own.
`top_rows` reads the first rows of a screenshot (no imaging library), enough to see which
colours a page has.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from nashra.core.keys import INDEX_FILE
from nashra.render import cache_control_for, content_type_for

WINDOW = (1000, 1400)
TIMEOUT = 30  # seconds for one Chromium run; one takes about 1 s
Pixel = tuple[int, int, int]


class _FilesHandler(BaseHTTPRequestHandler):
    """GET and HEAD of the files under `root`, with the CDN's headers; 404 otherwise."""

    def __init__(self, *args: object, root: Path, **kwargs: object) -> None:
        self.root = root
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def _file(self) -> Path | None:
        key = self.path.split("?", 1)[0].lstrip("/")
        if key == "" or key.endswith("/"):
            key += INDEX_FILE
        path = (self.root / key).resolve()
        return path if path.is_relative_to(self.root) and path.is_file() else None

    def do_GET(self) -> None:
        path = self._file()
        if path is None:
            self.send_error(404)
            return
        key = path.relative_to(self.root).as_posix()
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", content_type_for(key))
        self.send_header("Cache-Control", cache_control_for(key))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    do_HEAD = do_GET  # noqa: N815 (http.server's method name)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests assert on what the browser shows."""


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """The files under `root` over HTTP on a free port of 127.0.0.1; yields the base URL."""
    handler = partial(_FilesHandler, root=root.resolve())
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def find_chromium() -> str | None:
    return shutil.which("chromium")


@dataclass(frozen=True)
class Visit:
    """What Chromium showed for one path: the DOM after load and a screenshot of it."""

    path: str
    dom: str
    screenshot: Path


def _run(chromium: str, *args: str) -> str:
    with tempfile.TemporaryDirectory(prefix="nashra-chromium-") as profile:
        done = subprocess.run(
            [
                chromium,
                "--headless",
                "--disable-gpu",
                "--no-sandbox",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--window-size={WINDOW[0]},{WINDOW[1]}",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def visit(chromium: str, base: str, path: str, shots: Path) -> Visit:
    """Open `base/path` once: its DOM after load, and a screenshot in `shots/`."""
    shot = shots / (path.replace("/", "_") + ".png")
    shot.unlink(missing_ok=True)
    dom = _run(chromium, f"--screenshot={shot}", "--dump-dom", f"{base}/{path}")
    assert shot.is_file(), f"no screenshot of {path}"
    return Visit(path, dom, shot)


def _chunks(png: bytes) -> Iterator[tuple[bytes, bytes]]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos = 8
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        yield kind, png[pos + 8 : pos + 8 + length]
        pos += 12 + length


def _unfilter(kind: int, line: bytearray, previous: bytearray, size: int) -> None:
    """Undo one scanline's filter in place (PNG specification §9.2)."""
    for i in range(len(line)):
        left = line[i - size] if i >= size else 0
        up = previous[i]
        corner = previous[i - size] if i >= size else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            line[i] = (
                line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)
            ) & 0xFF


def top_rows(png: bytes, rows: int) -> list[list[Pixel]]:
    """The RGB pixels of the first `rows` rows of an 8-bit RGB or RGBA PNG (Chromium's).

    Only those rows are inflated and unfiltered, so a big screenshot costs little.
    """
    chunks = list(_chunks(png))
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert chunks[0][0] == b"IHDR" and depth == 8 and colour in (2, 6) and interlace == 0
    size = 3 if colour == 2 else 4
    stride = width * size
    data = b"".join(body for kind, body in chunks if kind == b"IDAT")
    raw = zlib.decompressobj().decompress(data, min(rows, height) * (stride + 1))
    previous, out = bytearray(stride), []
    for y in range(min(rows, height)):
        start = y * (stride + 1)
        line = bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(raw[start], line, previous, size)
        out.append([(line[x], line[x + 1], line[x + 2]) for x in range(0, stride, size)])
        previous = line
    return out


def share(rows: list[list[Pixel]], colour: Pixel) -> float:
    """The fraction of pixels of exactly `colour`."""
    pixels = [p for row in rows for p in row]
    return sum(p == colour for p in pixels) / len(pixels)


def reddish(rows: list[list[Pixel]]) -> int:
    """How many pixels are a strong red, like Chromium's XSLT banner; nashra's pages use none."""
    return sum(r > 180 and g < 120 and b < 120 for row in rows for r, g, b in row)
