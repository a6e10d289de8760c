"""WebSubNotifier against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from nashra.adapters.websub import WebSubNotifier


class Hub(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []  # noqa: RUF012 - shared with the test
    status = 204

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        Hub.received.append((self.headers["Content-Type"], self.rfile.read(length)))
        self.send_response(Hub.status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hub() -> Iterator[str]:
    Hub.received, Hub.status = [], 204
    server = HTTPServer(("127.0.0.1", 0), Hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_ping_posts_every_changed_feed(hub: str) -> None:
    urls = [
        "https://feeds.nashra.example/gulf/atom.xml",
        "https://feeds.nashra.example/all/rss.xml",
    ]
    WebSubNotifier().feeds_changed(urls, hub)
    [(content_type, body)] = Hub.received
    assert content_type == "application/x-www-form-urlencoded"
    form = urllib.parse.parse_qs(body.decode())
    assert form == {"hub.mode": ["publish"], "hub.url": urls}


def test_hub_errors_are_logged_not_raised(hub: str, caplog: pytest.LogCaptureFixture) -> None:
    Hub.status = 500
    WebSubNotifier().feeds_changed(["https://feeds.nashra.example/all/rss.xml"], hub)
    assert "websub ping failed" in caplog.text


def test_unreachable_hub_is_not_an_error(caplog: pytest.LogCaptureFixture) -> None:
    WebSubNotifier(timeout=1).feeds_changed(["https://x/a"], "http://127.0.0.1:9/")
    assert "websub ping failed" in caplog.text


def test_no_hub_or_no_feeds_sends_nothing(hub: str) -> None:
    WebSubNotifier().feeds_changed(["https://x/a"], None)
    WebSubNotifier().feeds_changed([], hub)
    WebSubNotifier().feeds_changed(["https://x/a"], "file:///etc/passwd")
    assert Hub.received == []
