"""From uploaded bytes to a JSON object, strictly (docs/design.md "Strictness").

JSON that Python would accept but JSON does not (NaN, Infinity) is an error, and so is an
object with a duplicate key: the editor's intent is ambiguous and silently taking the last
value would lose text.
"""

from __future__ import annotations

import json
from typing import Any

from nashra.core.article import MAX_ARTICLE_BYTES
from nashra.core.problems import Problem

BOM = b"\xef\xbb\xbf"


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKeyError(key)
        seen[key] = value
    return seen


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _guess_encoding(raw: bytes) -> str:
    """Name the legacy encoding an Arabic file most likely uses, for the error message."""
    for encoding in ("windows-1256", "iso-8859-6", "utf-16"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any("\u0600" <= c <= "\u06ff" for c in text):
            return encoding
    return "an unknown encoding"


def _read_text(raw: bytes) -> str | Problem:
    if len(raw) > MAX_ARTICLE_BYTES:
        size = f"{len(raw):,} bytes > {MAX_ARTICLE_BYTES:,}"
        return Problem(
            "(file)",
            "max-size",
            f"the file is too large ({size})",
            f"الملف أكبر من الحد المسموح ({size})",
        )
    if raw.startswith(BOM):
        raw = raw[len(BOM) :]  # tolerated: Windows editors add it
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        guess = _guess_encoding(raw)
        return Problem(
            "(file)",
            "utf-8",
            f"the file is not UTF-8 (byte {exc.start}); it looks like {guess}: save it as UTF-8",
            f"الملف ليس بترميز UTF-8 (البايت {exc.start})؛ يبدو أنه بترميز {guess}: "
            "احفظه بترميز UTF-8",
        )


def _parse(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except _DuplicateKeyError as exc:
        return Problem(
            exc.key,
            "duplicate-key",
            f"the key {exc.key!r} appears twice in one object",
            f"المفتاح {exc.key!r} مكرر في الكائن نفسه",
        )
    except json.JSONDecodeError as exc:
        return Problem(
            "(file)",
            "json",
            f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            f"ليس JSON صالحًا في السطر {exc.lineno}، العمود {exc.colno}: {exc.msg}",
        )
    except ValueError as exc:
        return Problem("(file)", "json", f"not valid JSON: {exc}", f"ليس JSON صالحًا: {exc}")


def decode_json(raw: bytes) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse an upload into a JSON object, or say precisely why it is not one."""
    text = _read_text(raw)
    if isinstance(text, Problem):
        return None, [text]
    data = _parse(text)
    if isinstance(data, Problem):
        return None, [data]
    if not isinstance(data, dict):
        kind = "list" if isinstance(data, list) else type(data).__name__
        return None, [
            Problem(
                "(file)",
                "json-object",
                f"the file must hold one JSON object, not a {kind}",
                f"يجب أن يحتوي الملف على كائن JSON واحد، لا على {kind}",
            )
        ]
    return data, []
