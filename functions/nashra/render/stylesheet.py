"""`feed.css`, shipped as package data (pyproject: render/*.css), read without I/O of our own."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from nashra.core.keys import STYLESHEET_FILE


@cache
def feed_stylesheet() -> bytes:
    """The CSS every RSS and Atom feed points at, so a browser shows it as a page (FG-15)."""
    return files("nashra.render").joinpath(STYLESHEET_FILE).read_bytes()
