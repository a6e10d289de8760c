"""Shared fixtures: the project's own content folder is the realistic input of record."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

from nashra.core.site import Section, Site, parse_sections, parse_site

# Shared machines run slow at times: no per-example deadline. In CI the examples are
# derived from the test names, so a red run can be reproduced exactly.
settings.register_profile("nashra", deadline=None, derandomize=bool(os.environ.get("CI")))
settings.load_profile("nashra")

# Fixtures shared across folders live in modules of their own (tests/ is on the path, see
# pyproject.toml): the renderers' news day serves the render unit tests and the contracts.
pytest_plugins = ["newsday"]

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
# A fixed "now" for validation, after every date in content/: tests never read the clock.
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _nashra_logs_reach_caplog() -> Iterator[None]:
    """The handler's Powertools Logger is the `nashra` logger: Powertools stops it
    propagating (in Lambda its JSON handler writes every `nashra.*` record), and the local
    stack sets its level for a calm console. Once any test has done either, `caplog` (on
    the root logger) would see no adapter's warning: each test lets them through again."""
    logger = logging.getLogger("nashra")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.NOTSET)
    logger.propagate = True
    yield
    logger.setLevel(level)
    logger.propagate = propagate


@pytest.fixture(scope="session")
def site() -> Site:
    return parse_site((CONTENT / "site.json").read_bytes())


@pytest.fixture(scope="session")
def sections() -> tuple[Section, ...]:
    return parse_sections((CONTENT / "sections.json").read_bytes())


@pytest.fixture(scope="session")
def now() -> datetime:
    return NOW
