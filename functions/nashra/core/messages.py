"""Arabic and English wording of schema errors, for editors' reports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from nashra.core.article import ID_EXAMPLE, MAX_IMAGE_BYTES
from nashra.core.decode import printable
from nashra.core.problems import Problem

# pydantic error type -> (English, Arabic). The English side keeps pydantic's own message
# when it is more precise (it names the pattern or the bound).
_ARABIC = {
    "missing": "هذا الحقل مطلوب",
    "string_type": "يجب أن تكون القيمة نصًا (بين علامتي تنصيص)",
    "bool_type": "يجب أن تكون القيمة true أو false دون علامتي تنصيص",
    "int_type": "يجب أن تكون القيمة عددًا صحيحًا",
    "list_type": "يجب أن تكون القيمة قائمة [ ... ]",
    "model_type": "يجب أن تكون القيمة كائنًا { ... }",
    "dict_type": "يجب أن تكون القيمة كائنًا { ... }",
    "literal_error": "القيمة غير مسموح بها",
    "string_pattern_mismatch": "صيغة القيمة غير صحيحة",
    "string_too_short": "القيمة قصيرة جدًا أو فارغة",
    "greater_than_equal": "القيمة أصغر من الحد الأدنى",
    "less_than_equal": "القيمة أكبر من الحد الأعلى",
    "extra_forbidden": "حقل غير معروف في هذا الكائن",
}


def shown(value: object, limit: int = 80) -> str:
    """A value as a report quotes it: `repr`, cut to `limit` characters with «…».

    >>> shown("x" * 100)[-5:], shown("gulf")
    ('xxxx…', "'gulf'")
    """
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _field(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in (
            "str",
            "AuthorInput",
            "function-after[str]",
        ):  # union branch names are noise for editors
            continue
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


# Rules nashra names itself where pydantic's would be vague: (field, pydantic type) -> rule.
_RULES = {
    ("id", "string_pattern_mismatch"): "id-pattern",
    ("image.length", "less_than_equal"): "image-length",
    ("image.length", "greater_than_equal"): "image-length",
}


def _wording(field: str, kind: str, err: Mapping[str, Any]) -> tuple[str, str, str]:
    """(rule, English, Arabic) for one pydantic error, in editors' words."""
    rule = _RULES.get((field, kind), kind)
    if rule == "id-pattern":
        return (
            rule,
            f"{shown(err.get('input'))} is not an id; write it like {ID_EXAMPLE}: lower-case latin "
            "letters, digits and hyphens, at most 64, starting with a letter or digit",
            f"{shown(err.get('input'))} لا يصلح معرّفًا؛ اكتبه مثل {ID_EXAMPLE}: حروف لاتينية صغيرة "
            "وأرقام وشرطات، 64 محرفًا على الأكثر، يبدأ بحرف أو رقم",
        )
    if rule == "image-length":
        return (
            rule,
            f"image.length is the image's size in bytes, from 0 to {MAX_IMAGE_BYTES:,}",
            f"image.length حجم الصورة بالبايت، من 0 إلى {MAX_IMAGE_BYTES:,}",
        )
    arabic = _ARABIC.get(kind, "قيمة غير صالحة")
    english = str(err["msg"])
    if "input" in err and err["input"] is None and kind != "missing":
        english = f"the value is null; {english[:1].lower()}{english[1:]}"
        arabic = f"القيمة null؛ {arabic}"
    return rule, english, arabic


def schema_problems(errors: Iterable[Mapping[str, Any]]) -> list[Problem]:
    """One problem per field from pydantic's error list (union branches collapsed)."""
    seen: dict[str, Problem] = {}
    for err in errors:
        field = printable(_field(tuple(err["loc"])))
        if field in seen:
            continue
        rule, english, arabic = _wording(field, str(err["type"]), err)
        seen[field] = Problem(field, rule, english, arabic)
    return list(seen.values())
