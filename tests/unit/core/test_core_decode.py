"""decode_document / decode_json: any upload becomes a value or precise problems, in linear
time, and never raises (issue 8: #2 surrogates, #3 depth, #12 messages)."""

from __future__ import annotations

import json

import pytest

from nashra.core.decode import (
    MAX_JSON_DEPTH,
    decode_document,
    decode_json,
    json_depth,
    printable,
)


def rules(raw: bytes) -> list[str]:
    return [p.rule for p in decode_document(raw)[1]]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (b"null", None),
        (b"[1, 2.5]", [1, 2.5]),
        (b'"x"', "x"),
        (b"\xef\xbb\xbf{}", {}),
        (b'{"a": "]]]}}}"}', {"a": "]]]}}}"}),
        (b'{"a": "\\"[[[["}', {"a": '"[[[['}),
    ],
)
def test_any_top_level_value(raw: bytes, value: object) -> None:
    assert decode_document(raw) == (value, [])


def test_depth_at_the_bound_is_accepted_and_one_more_is_not() -> None:
    ok = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert decode_document(ok)[1] == []
    deep = b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)
    assert rules(deep) == ["json-depth"]


@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
def test_100000_levels_is_a_depth_problem_not_a_recursion_error(opener: bytes) -> None:
    closer = b"]" if opener == b"[" else b"}"
    value, problems = decode_document(opener * 100_000 + closer * 100_000, name="config/site.json")
    assert value is None
    assert [(p.field, p.rule) for p in problems] == [("config/site.json", "json-depth")]
    assert "100,000" in problems[0].message_en and "100,000" in problems[0].message_ar


def test_unbalanced_deep_nesting_is_a_depth_problem() -> None:
    assert rules(b"[" * 1_000_000) == ["json-depth"]


def test_depth_ignores_brackets_in_strings_and_broken_strings() -> None:
    assert json_depth('["[[[[", {"k\\"[": "{{"}]') == 2
    assert json_depth('"' + '\\"' * 10_000) == 0  # one unterminated string
    assert json_depth('[["\\\\"]]') == 2  # an escaped backslash ends before the quote


def test_depth_scan_is_linear() -> None:
    """The scan touches each character a bounded number of times: the string regex always
    matches from an opening quote (to its end or the end of the text), so a text of
    alternating quotes and escapes cannot make it restart at every quote."""
    import re

    from nashra.core import decode

    text = '"' + '\\"' * 50_000 + '"[' * 50_000
    calls = 0
    original = decode._STRING

    class Counting:
        def sub(self, repl: str, string: str) -> str:
            nonlocal calls
            calls += 1
            return original.sub(repl, string)

    decode._STRING = Counting()  # type: ignore[assignment]
    try:
        json_depth(text)
    finally:
        decode._STRING = original
    assert calls == 1
    # every match is disjoint and in order, so the total matched length is at most len(text)
    assert sum(len(m.group()) for m in re.finditer(original, text)) <= len(text)


def test_duplicate_key_is_reported() -> None:
    value, problems = decode_document(b'{"title": "a", "title": "b"}')
    assert value is None
    assert [(p.field, p.rule) for p in problems] == [("title", "duplicate-key")]


def test_lone_surrogate_key_is_printable_in_every_report() -> None:
    value, problems = decode_document(b'{"\\ud800": 1, "a\\udfffb": "\\udc00"}')
    assert problems == []
    assert value == {"\ufffd": 1, "a\ufffdb": "\udc00"}
    for key in value:
        key.encode("utf-8")  # never a UnicodeEncodeError
    dup = decode_document(b'{"\\ud800": 1, "\\udc00": 2}')[1]
    assert dup[0].rule == "duplicate-key"
    json.dumps([p.as_dict() for p in dup], ensure_ascii=False).encode("utf-8")
    assert printable("\ud800x") == "\ufffdx"


@pytest.mark.parametrize(
    "raw",
    [b"[NaN]", b"[Infinity]", b"[-Infinity]", b"[1e999]", b"[-1e999]"],
)
def test_non_json_numbers_are_rejected(raw: bytes) -> None:
    assert rules(raw) == ["json"]


def test_a_5000_digit_number_gets_a_plain_message() -> None:
    for raw in (
        b"[" + b"7" * 5000 + b"]",
        b'{"w": -' + b"1" * 5000 + b"}",
        b"[0." + b"1" * 5000 + b"]",
    ):
        (problem,) = decode_document(raw)[1]
        assert problem.rule == "json"
        assert "too long" in problem.message_en
        assert (
            "sys." not in problem.message_en and "set_int_max_str_digits" not in problem.message_en
        )


@pytest.mark.parametrize(
    "raw",
    [
        '\ufeff{"title": "خبر"}'.encode("utf-16"),
        '{"title": "خبر"}'.encode("utf-16-le"),
        '{"title": "خبر"}'.encode("utf-16-be"),
        b"\xfe\xff" + '{"t": 1}'.encode("utf-16-be"),
    ],
)
def test_utf16_is_named_utf16(raw: bytes) -> None:
    (problem,) = decode_document(raw)[1]
    assert problem.rule == "utf-8"
    assert "UTF-16" in problem.message_en and "UTF-16" in problem.message_ar
    assert "windows-1256" not in problem.message_en


def test_windows_1256_is_still_named() -> None:
    (problem,) = decode_document('{"title": "خبر"}'.encode("windows-1256"))[1]
    assert "windows-1256" in problem.message_en


def test_too_large() -> None:
    assert rules(b" " * (1024 * 1024 + 1)) == ["max-size"]


@pytest.mark.parametrize(
    ("raw", "kind_en", "kind_ar"),
    [
        (b"null", "null", "null"),
        (b"[]", "a list", "قائمة"),
        (b"3", "a number", "رقم"),
        (b"true", "true or false", "true أو false"),
        (b'"x"', "a string", "نص"),
    ],
)
def test_decode_json_names_what_it_got(raw: bytes, kind_en: str, kind_ar: str) -> None:
    value, problems = decode_json(raw)
    assert value is None
    (problem,) = problems
    assert problem.rule == "json-object"
    assert problem.message_en.endswith(f"not {kind_en}")
    assert kind_ar in problem.message_ar
    assert "NoneType" not in problem.message_en + problem.message_ar


@pytest.mark.parametrize(
    ("raw", "where", "english", "arabic"),
    [
        (
            b'{\n "title": "x",\n "body": "y",\n}',
            "line 4, column 1",
            "a comma before '}': remove the comma after the last item",
            "احذف الفاصلة بعد العنصر الأخير",
        ),
        (b'{"tags": ["a", "b",]}', "line 1, column 20", "a comma before ']'", "فاصلة قبل ']'"),
        (
            b'{\n "title": "x"\n "body": "y"\n}',
            "line 3, column 2",
            "a comma is missing between two items: add one after line 2, column 13",
            "أضفها بعد السطر 2، العمود 13",
        ),
        (
            '{"title": “خبر”}'.encode(),
            "line 1, column 11",
            "a typographic quote (“): JSON needs straight double quotes",
            "علامة تنصيص مطبعية (“)",
        ),
        (b"{'title': 'x'}", "line 1, column 2", "a single quote (')", "علامة تنصيص مفردة"),
        (b'{"title": "x}', "line 1, column 11", "never closed", "لا يُغلق"),
        (
            b'{"title": "a\nb"}',
            "line 1, column 13",
            "a line break or tab inside a text",
            "سطر جديد",
        ),
        (b'{"title": "a\\qb"}', "line 1, column 13", "a backslash that starts no escape", "شرطة"),
        (b'{"title": "\\u12"}', "line 1, column 13", "four hex digits", "أربعة أرقام"),
        (b'{"a": 1} {"b": 2}', "line 1, column 10", "a file holds one object", "كائنًا واحدًا"),
        (b'{"title" "x"}', "line 1, column 10", "a colon is missing", "النقطتان"),
        (b'{"title": }', "line 1, column 11", "a value is missing here", "تنقص قيمة"),
    ],
)
def test_a_json_mistake_is_reported_with_its_fix_in_both_languages(
    raw: bytes, where: str, english: str, arabic: str
) -> None:
    """Where the parser stopped and, in words and not the parser's, what to change: the
    commonest mistakes of hand-edited JSON named as such (a comma after the last item, a
    missing comma, curly or single quotes)."""
    [problem] = decode_document(raw)[1]
    assert problem.rule == "json" and problem.field == "(file)"
    assert problem.message_en.startswith(f"not valid JSON at {where}: ")
    assert english in problem.message_en
    line, column = where.removeprefix("line ").split(", column ")
    assert f"السطر {line}، العمود {column}" in problem.message_ar and arabic in problem.message_ar
    assert "Expecting" not in problem.message_ar  # no parser English in the Arabic message
