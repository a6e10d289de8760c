"""Arabic and English wording of schema errors, for editors' reports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from nashra.core.article import ID_EXAMPLE, MAX_IMAGE_BYTES
from nashra.core.decode import printable
from nashra.core.problems import BilingualValueError, Problem

# pydantic error type -> (English, Arabic), in editors' words. `{ctx}` is the error's own
# detail where it has one: the values allowed, the bound.
_WORDS = {
    "missing": ("this field is required", "هذا الحقل مطلوب"),
    "string_type": ("must be a text in double quotes", "يجب أن تكون القيمة نصًا بين علامتي تنصيص"),
    "bool_type": (
        "must be true or false, without quotes",
        "يجب أن تكون القيمة true أو false دون علامتي تنصيص",
    ),
    "int_type": ("must be a whole number", "يجب أن تكون القيمة عددًا صحيحًا"),
    "list_type": ("must be a list [ ... ]", "يجب أن تكون القيمة قائمة [ ... ]"),
    "model_type": ("must be an object { ... }", "يجب أن تكون القيمة كائنًا { ... }"),
    "dict_type": ("must be an object { ... }", "يجب أن تكون القيمة كائنًا { ... }"),
    "literal_error": ("must be {expected}", "يجب أن تكون القيمة {expected}"),
    "string_too_short": ("must not be empty", "يجب ألا تكون القيمة فارغة"),
    "greater_than_equal": ("must be at least {ge}", "يجب ألا تقل القيمة عن {ge}"),
    "less_than_equal": ("must be at most {le}", "يجب ألا تزيد القيمة على {le}"),
    "extra_forbidden": ("unknown field in this object", "حقل غير معروف في هذا الكائن"),
}
_URL = (
    "must be an absolute http(s) URL, like https://www.nashra.example",
    "يجب أن تكون القيمة رابطًا كاملًا يبدأ بـ https://، مثل https://www.nashra.example",
)
# A pattern said in words, by the name of the field it checks (config files and articles).
_PATTERNS = {
    "base_url": _URL,
    "feeds_url": _URL,
    "hub": _URL,
    "icon": _URL,
    "logo": _URL,
    "language": (
        "must be a language tag, like ar or ar-KW",
        "يجب أن تكون القيمة رمز لغة، مثل ar أو ar-KW",
    ),
    "tag_authority": (
        "must be a host name in lower case, like www.nashra.example",
        "يجب أن تكون القيمة اسم نطاق بحروف صغيرة، مثل www.nashra.example",
    ),
    "tag_date": (
        "must be a date as YYYY, YYYY-MM or YYYY-MM-DD",
        "يجب أن تكون القيمة تاريخًا بصيغة YYYY أو YYYY-MM أو YYYY-MM-DD",
    ),
    "slug": (
        "must be lower-case latin letters, digits and hyphens, like gulf or world-news",
        "يجب أن تكون القيمة حروفًا لاتينية صغيرة وأرقامًا وشرطات، مثل gulf أو world-news",
    ),
}
# What to write instead, for the mistakes editors make in these fields: (field, type).
_EXAMPLES = {
    ("authors", "list_type"): ('even for one author: ["الاسم"]', 'حتى لكاتب واحد: ["الاسم"]'),
    ("tags", "list_type"): ('even for one tag: ["الوسم"]', 'حتى لوسم واحد: ["الوسم"]'),
    ("image", "model_type"): (
        'like {"url": "https://…/photo.jpg", "alt": "…"}',
        'مثل {"url": "https://…/photo.jpg", "alt": "…"}',
    ),
    ("section", "missing"): ('the slug of a section, like "gulf"', 'اسم القسم المختصر، مثل "gulf"'),
    ("published", "missing"): (
        'when it was published, like "2026-11-05T10:30:00+03:00"',
        'وقت النشر، مثل "2026-11-05T10:30:00+03:00"',
    ),
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
    context = err.get("ctx") or {}
    words = _WORDS.get(kind)
    if kind == "string_pattern_mismatch":
        words = _PATTERNS.get(field.rsplit(".", 1)[-1], words)
    reason = context.get("error")
    if kind == "value_error" and isinstance(reason, BilingualValueError):
        english, arabic = reason.message_en, reason.message_ar  # a validator's own, in both
    elif words is None:  # pydantic's words, without its prefix; the reason in both
        english = str(err["msg"]).removeprefix("Value error, ")
        arabic = f"قيمة غير صالحة: {english}" if kind == "value_error" else "قيمة غير صالحة"
    else:
        english, arabic = words
        for key, value in context.items():  # the values allowed, the bound
            english = english.replace(f"{{{key}}}", str(value))
            arabic = arabic.replace(f"{{{key}}}", str(value).replace("' or '", "' أو '"))
    example = _EXAMPLES.get((field, kind))
    if example is not None:
        joint = (": ", ": ") if kind == "missing" else (", ", "، ")
        english, arabic = english + joint[0] + example[0], arabic + joint[1] + example[1]
    if "input" in err and err["input"] is None and kind != "missing":
        english = f"the value is null; {english}"
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
