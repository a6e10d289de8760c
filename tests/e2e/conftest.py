"""Fixtures for the local stack: temporary content folders, stacks on free ports, HTTP."""

from __future__ import annotations

import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from nashra.dev.stack import DevStack, StackOptions

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
WAIT = 20.0  # seconds: the longest any test waits for the pipeline


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def http(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> Response:
    """One request; HTTP errors are returned, not raised. Header names are lower-cased."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Response(
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as error:
        return Response(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


def wait_for(check: Callable[[], bool], timeout: float = WAIT, what: str = "condition") -> None:
    """Poll `check` every 50 ms until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def idle_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A handler that accepts every record and does nothing (for tests of the stack)."""
    return {"batchItemFailures": []}


def copy_content(target: Path, articles: int | None = None) -> Path:
    """A copy of content/ (config + the first `articles` article files, sorted)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("site.json", "sections.json"):
        shutil.copy(CONTENT / name, target / name)
    (target / "articles").mkdir(exist_ok=True)
    files = sorted((CONTENT / "articles").glob("*.json"))
    for path in files if articles is None else files[:articles]:
        shutil.copy(path, target / "articles" / path.name)
    return target


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    return copy_content(tmp_path / "content", articles=3)


def start_stack(content: Path, *, visibility_timeout: int = 2, **kwargs: object) -> DevStack:
    options = StackOptions(content=content, port=0, visibility_timeout=visibility_timeout)
    return DevStack(options, **kwargs).start()  # type: ignore[arg-type]


@pytest.fixture
def stack_factory() -> Iterator[Callable[..., DevStack]]:
    started: list[DevStack] = []

    def make(content: Path, **kwargs: object) -> DevStack:
        stack = start_stack(content, **kwargs)
        started.append(stack)
        return stack

    yield make
    for stack in started:
        stack.stop()
