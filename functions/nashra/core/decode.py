"""From uploaded bytes to a JSON value, strictly (docs/design.md "Strictness").

JSON that Python would accept but JSON does not (NaN, Infinity) is an error, and so is an
object with a duplicate key: the editor's intent is ambiguous and silently taking the last
value would lose text. Every input is bounded before it is parsed (B-1 size, B-2 nesting
depth), so no file, however hostile, costs more than linear time or raises.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from nashra.core.problems import Problem

BOM = b"\xef\xbb\xbf"
# B-1: one article; images are links (`core.article.MAX_ARTICLE_BYTES` is this bound).
MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 20  # B-2: an article needs 3 levels (article > authors > author)
MAX_NUMBER_CHARS = 100  # a longer number literal is a typo or an attack, never a value

# A JSON string, or an unterminated one up to the end of the text: matching one from its
# opening quote always succeeds, so scanning a document is linear however it is broken.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE = re.compile("[\ud800-\udfff]")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def printable(name: str) -> str:
    """A name (a JSON key, a field path) that can be written to any UTF-8 report.

    A lone surrogate (`"\\ud800"` written as a JSON escape) becomes U+FFFD.

    >>> printable("title\\ud800") == "title\\ufffd"
    True
    """
    return _SURROGATE.sub("\ufffd", name)


class _DocumentError(ValueError):
    """A precise reason the text is not acceptable JSON, raised from inside json.loads."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message_en)
        self.problem = problem


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) == len(pairs) and not _SURROGATE.search("".join(found)):
        return found  # most objects: distinct keys, all printable as they are
    seen: dict[str, Any] = {}
    for raw_key, value in pairs:
        key = printable(raw_key)
        if key in seen:
            raise _DocumentError(
                Problem(
                    key,
                    "duplicate-key",
                    f"the key {key!r} appears twice in one object",
                    f"المفتاح {key!r} مكرر في الكائن نفسه",
                )
            )
        seen[key] = value
    return seen


def _no_constants(name: str) -> None:
    raise _DocumentError(_json_problem(f"{name} is not a JSON value", f"{name} ليست قيمة JSON"))


def _too_long(literal: str) -> Problem:
    size = f"{len(literal):,}"
    return _json_problem(
        f"a number is too long ({size} characters; at most {MAX_NUMBER_CHARS})",
        f"رقم طويل جدًا ({size} محرفًا؛ الحد {MAX_NUMBER_CHARS})",
    )


def _parse_int(literal: str) -> int:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _DocumentError(_too_long(literal))
    return int(literal)


def _parse_float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _DocumentError(_too_long(literal))
    value = float(literal)
    if not math.isfinite(value):
        raise _DocumentError(
            _json_problem(
                f"the number {literal} is too large to be a value",
                f"الرقم {literal} أكبر من أن يكون قيمة",
            )
        )
    return value


def _json_problem(english: str, arabic: str) -> Problem:
    return Problem("(file)", "json", f"not valid JSON: {english}", f"ليس JSON صالحًا: {arabic}")


def _guess_encoding(raw: bytes) -> str:
    """Name the encoding an Arabic file most likely uses, for the error message."""
    if raw.startswith(_UTF16_BOMS):
        return "UTF-16"
    if raw[:2].count(0) == 1:
        return "UTF-16"  # JSON starts with ASCII; as UTF-16 without a BOM, one byte is 0
    for encoding in ("windows-1256", "iso-8859-6"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any("\u0600" <= c <= "\u06ff" for c in text):
            return encoding
    return "an unknown encoding"


def size_problem(size: int, name: str = "(file)") -> Problem | None:
    """The `max-size` problem of a file of `size` bytes, None within the bound (B-1).
    The publisher asks with the size S3 reports, before reading the file.

    >>> size_problem(1_048_576) is None, size_problem(1_048_577).rule
    (True, 'max-size')
    """
    if size <= MAX_DOCUMENT_BYTES:
        return None
    detail = f"{size:,} bytes > {MAX_DOCUMENT_BYTES:,}"
    return Problem(
        name,
        "max-size",
        f"the file is too large ({detail})",
        f"الملف أكبر من الحد المسموح ({detail})",
    )


def _read_text(raw: bytes, name: str) -> str | Problem:
    too_large = size_problem(len(raw), name)
    if too_large is not None:
        return too_large
    if raw.startswith(BOM):
        raw = raw[len(BOM) :]  # tolerated: Windows editors add it
    # JSON text never holds a NUL byte; UTF-16 text is full of them (and is valid UTF-8).
    nul = raw.find(b"\x00")
    try:
        if nul >= 0:
            raise UnicodeDecodeError("utf-8", raw, nul, nul + 1, "NUL byte")
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _not_utf8(raw, exc.start, name)


def _not_utf8(raw: bytes, start: int, name: str) -> Problem:
    guess = _guess_encoding(raw)
    return Problem(
        name,
        "utf-8",
        f"the file is not UTF-8 (byte {start}); it looks like {guess}: save it as UTF-8",
        f"الملف ليس بترميز UTF-8 (البايت {start})؛ يبدو أنه بترميز {guess}: احفظه بترميز UTF-8",
    )


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in a JSON text, in linear time, without parsing.

    Brackets inside strings do not count. On broken JSON the number is an estimate; the
    parser that runs next reports the break.

    >>> json_depth('{"a": [1, {"b": "]]]"}]}'), json_depth("[]"), json_depth("3")
    (3, 1, 0)
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def _depth_problem(depth: int, name: str) -> Problem:
    return Problem(
        name,
        "json-depth",
        f"arrays and objects nest {depth:,} levels deep; at most {MAX_JSON_DEPTH} are allowed",
        f"المصفوفات والكائنات متداخلة بعمق {depth:,} مستوى؛ الحد الأقصى {MAX_JSON_DEPTH}",
    )


def _parse(text: str, name: str) -> Any:
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constants,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except _DocumentError as exc:
        return exc.problem
    except json.JSONDecodeError as exc:
        return _syntax_problem(exc, name)
    except (ValueError, RecursionError):  # unreachable after the depth check; never a crash
        return Problem(name, "json", "not valid JSON", "ليس JSON صالحًا")


def decode_document(raw: bytes, *, name: str = "(file)") -> tuple[Any, list[Problem]]:
    """Parse an upload into any JSON value, or say precisely why it is not one.

    Checks, in order: size (B-1, `max-size`), BOM and UTF-8 (`utf-8`), nesting depth
    (B-2, `json-depth`, before the parser recurses), then JSON itself (`json`: no NaN or
    Infinity, no number longer than 100 characters) and duplicate keys (`duplicate-key`).
    Keys are `printable`; string values are returned as written and may hold lone
    surrogates, which `nashra.core.text.clean_text` removes. `name` is the field that
    file-level problems name. The value is None whenever the problem list is not empty
    (a document that is `null` returns None and no problems).
    """
    text = _read_text(raw, name)
    if isinstance(text, Problem):
        return None, [text]
    # Nesting deeper than MAX_JSON_DEPTH takes more opening brackets than that: most
    # documents have a handful, and need no scan.
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH:
        depth = json_depth(text)
        if depth > MAX_JSON_DEPTH:
            return None, [_depth_problem(depth, name)]
    data = _parse(text, name)
    if isinstance(data, Problem):
        return None, [data]
    return data, []


def json_kind(value: Any) -> str:
    """What a JSON value is, in JSON's words: `null`, `a list`, `a number`…

    >>> json_kind(None), json_kind([]), json_kind(True), json_kind(2.5)
    ('null', 'a list', 'true or false', 'a number')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def decode_json(raw: bytes, *, name: str = "(file)") -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse an upload into a JSON object (`decode_document`, then `json-object`)."""
    data, problems = decode_document(raw, name=name)
    if problems:
        return None, problems
    if not isinstance(data, dict):
        kind = json_kind(data)
        return None, [
            Problem(
                name,
                "json-object",
                f"the file must hold one JSON object {{ ... }}, not {kind}",
                f"يجب أن يحتوي الملف على كائن JSON واحد {{ ... }}، لا على {_ARABIC_KIND[kind]}",
            )
        ]
    return data, []


_ARABIC_KIND = {
    "null": "null",
    "true or false": "قيمة true أو false",
    "a number": "رقم",
    "a string": "نص",
    "a list": "قائمة",
    "an object": "كائن",
}


# What the parser says (`json.JSONDecodeError.msg`), in words an editor can act on.
_PARSER_SAYS = {
    "Expecting value": ("a value is missing here", "تنقص قيمة هنا"),
    "Expecting property name enclosed in double quotes": (
        'a field name in double quotes ("title") is missing here',
        'ينقص هنا اسم حقل بين علامتي تنصيص مزدوجتين ("title")',
    ),
    "Expecting ',' delimiter": ("a comma is missing here", "تنقص فاصلة هنا"),
    "Expecting ':' delimiter": (
        "a colon is missing after the field name",
        "تنقص النقطتان (:) بعد اسم الحقل",
    ),
    "Unterminated string starting at": (
        'a text starts here and is never closed with "',
        'يبدأ هنا نص لا يُغلق بعلامة "',
    ),
    "Invalid control character at": (
        "a line break or tab inside a text: join the lines, or write \\n",
        "سطر جديد أو مسافة جدولة داخل نص: اجمع السطرين، أو اكتب \\n",
    ),
    "Invalid \\escape": (
        "a backslash that starts no escape: write \\\\ for a backslash",
        "شرطة مائلة عكسية لا تبدأ تهريبًا: اكتب \\\\ للشرطة نفسها",
    ),
    "Invalid \\uXXXX escape": (
        "\\u must be followed by four hex digits",
        "يجب أن تتبع \\u أربعة أرقام ست عشرية",
    ),
    "Extra data": (
        "text after the end of the object: a file holds one object { ... }",
        "نص بعد نهاية الكائن: الملف يحمل كائنًا واحدًا { ... }",
    ),
}
# Quotes a word processor puts in place of '"'.
_CURLY_QUOTES = frozenset("\u201c\u201d\u201e\u201f\u00ab\u00bb\u2018\u2019")


def _syntax_problem(exc: json.JSONDecodeError, name: str) -> Problem:
    """A JSON syntax error as a report: where, what the parser expected, and for the
    mistakes editors make most (a comma after the last field, a missing comma, curly or
    single quotes) what to change."""
    where_en, where_ar = (
        f"line {exc.lineno}, column {exc.colno}",
        f"السطر {exc.lineno}، العمود {exc.colno}",
    )
    fix = _likely_fix(exc.doc, exc.pos, exc.msg)
    if fix is None:
        fix = _PARSER_SAYS.get(exc.msg, (exc.msg, exc.msg))
    return Problem(
        name,
        "json",
        f"not valid JSON at {where_en}: {fix[0]}",
        f"ليس JSON صالحًا في {where_ar}: {fix[1]}",
    )


def _likely_fix(doc: str, pos: int, msg: str) -> tuple[str, str] | None:
    """What to change for the commonest mistakes at `pos`, or None."""
    here = doc[pos : pos + 1]
    end = len(doc[:pos].rstrip())  # just past what comes before `pos`
    before = doc[end - 1 : end]
    if before == "," and here in ("}", "]"):
        return (
            f"a comma before '{here}': remove the comma after the last item",
            f"فاصلة قبل '{here}': احذف الفاصلة بعد العنصر الأخير",
        )
    if here in _CURLY_QUOTES:
        return (
            f'a typographic quote ({here}): JSON needs straight double quotes (")',
            f'علامة تنصيص مطبعية ({here}): يحتاج JSON علامة التنصيص المستقيمة (")',
        )
    if here == "'" and msg.startswith("Expecting"):
        return (
            "a single quote ('): JSON needs double quotes (\")",
            "علامة تنصيص مفردة ('): يحتاج JSON علامة التنصيص المزدوجة (\")",
        )
    if msg == "Expecting ',' delimiter" and here == '"':
        line = doc.count("\n", 0, end) + 1
        column = end - doc.rfind("\n", 0, end)
        return (
            f"a comma is missing between two items: add one after line {line}, column {column - 1}",
            f"تنقص فاصلة بين عنصرين: أضفها بعد السطر {line}، العمود {column - 1}",
        )
    return None
