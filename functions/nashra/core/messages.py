"""Arabic and English wording of schema errors, for editors' reports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

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


def _field(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in ("str", "AuthorInput"):  # union branch names are noise for editors
            continue
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def schema_problems(errors: Iterable[Mapping[str, Any]]) -> list[Problem]:
    """One problem per field from pydantic's error list (union branches collapsed)."""
    seen: dict[str, Problem] = {}
    for err in errors:
        field = _field(tuple(err["loc"]))
        if field in seen:
            continue
        kind = str(err["type"])
        arabic = _ARABIC.get(kind, "قيمة غير صالحة")
        seen[field] = Problem(field, kind, str(err["msg"]), arabic)
    return list(seen.values())
