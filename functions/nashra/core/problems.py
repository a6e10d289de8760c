"""Problems found in editor input, and nashra's error types.

Bad input is a value (a `Problem` in a rejection report), never a crash: every problem
names the field and the rule it broke and says so in Arabic and English, so that an
editor can fix the file without asking anyone.

    NashraError
    ├── InputError          an editor's file or config cannot be used (carries problems)
    │   ├── ConfigError     config/site.json or config/sections.json is unusable
    │   ├── ArticleTooLargeError  valid, but too large for one index item
    │   └── StorageRejectedError  AWS refused to store it (validation, size): never retried
    ├── TransientError      AWS failed in a way a retry may fix (throttling, 5xx, network)
    ├── NotFoundError       a named resource (bucket, queue, table) does not exist
    └── DateParseError      a date string is not one of the accepted forms

Adapters translate the SDK's errors into these; nothing above them parses an AWS error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD, so it can always be written
    as UTF-8 (a JSON escape such as `"\\ud800"` decodes to one; json.loads keeps it).

    >>> printable("title\\ud800") == "title\\ufffd"
    True
    """
    return _LONE_SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about one field of one file.

    >>> Problem("title", "required", "title is missing", "العنوان مفقود").severity
    'error'
    """

    field: str
    rule: str
    message_en: str
    message_ar: str
    severity: Severity = "error"

    def __post_init__(self) -> None:
        # A problem quotes what the editor wrote; that may hold lone surrogates, and a
        # report that cannot be encoded would lose the report and fail the batch.
        for name in ("field", "message_en", "message_ar"):
            value = getattr(self, name)
            if _LONE_SURROGATE.search(value):
                object.__setattr__(self, name, printable(value))

    def __reduce__(self) -> tuple[Any, ...]:
        # Its five fields, not the slots' state: each intake result holds its problems.
        return Problem, (self.field, self.rule, self.message_en, self.message_ar, self.severity)

    def as_dict(self) -> dict[str, str]:
        return {
            "field": self.field,
            "rule": self.rule,
            "severity": self.severity,
            "message_en": self.message_en,
            "message_ar": self.message_ar,
        }

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Problem:
        """The problem `as_dict` wrote (a report read back); unknown keys are ignored."""
        severity: Severity = "warning" if data.get("severity") == "warning" else "error"
        return cls(
            str(data.get("field", "")),
            str(data.get("rule", "")),
            str(data.get("message_en", "")),
            str(data.get("message_ar", "")),
            severity,
        )

    def as_line(self) -> str:
        """One human line: `error title [required]: title is missing / العنوان مفقود`."""
        return f"{self.severity} {self.field} [{self.rule}]: {self.message_en} / {self.message_ar}"


class NashraError(Exception):
    """Base class of every error nashra raises on purpose."""


@dataclass
class InputError(NashraError):
    """An input file cannot be used; `problems` says why (at least one error)."""

    problems: tuple[Problem, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        return "; ".join(p.as_line() for p in self.problems)


class ConfigError(InputError):
    """config/site.json or config/sections.json is missing or invalid."""


class ArticleTooLargeError(InputError):
    """The article is valid but larger than the index can hold in one item."""


class StorageRejectedError(InputError):
    """AWS refused to store something derived from this input (a validation error, an
    oversized item or key): retrying the same input cannot help."""


class TransientError(NashraError):
    """An AWS call failed in a way that may pass on retry (throttling, 5xx, a timeout, a
    dropped connection, a transaction conflict). The work-queue record is retried."""


class NotFoundError(NashraError):
    """A resource nashra was configured with does not exist (a bucket, queue or table).

    Not an object: a missing object is an answer (None), not an error."""


# What a retry may fix: AWS throttling, 5xx and timeouts (adapters raise TransientError),
# a resource an operator has yet to create (NotFoundError), a dropped connection (OSError).
# Every other failure is deterministic: it becomes a report on the file that caused it.
RETRIED_ERRORS: tuple[type[BaseException], ...] = (TransientError, NotFoundError, OSError)


def is_retried(error: BaseException) -> bool:
    """Whether the work-queue record that raised `error` is retried (only transient ones).

    >>> is_retried(TransientError("throttled")), is_retried(RecursionError())
    (True, False)
    """
    return isinstance(error, RETRIED_ERRORS)


class BilingualValueError(NashraError, ValueError):
    """A value is wrong, and `message_en`/`message_ar` say why, for the report (a model's
    validator raises it; the report quotes both languages)."""

    def __init__(self, message_en: str, message_ar: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_ar = message_ar


class DateParseError(BilingualValueError):
    """A date could not be read. `message_en`/`message_ar` say why, for the report."""


def internal_problem(exc: BaseException) -> Problem:
    """The report on a file whose check failed unexpectedly (a bug in nashra, not in the
    file): the file is rejected, the rest of the batch goes on, and the team is told."""
    detail = f"{type(exc).__name__}: {exc}"
    if len(detail) > 300:  # the message may quote the whole input
        detail = detail[:300] + "…"
    return Problem(
        "(file)",
        "internal",
        f"nashra could not check this file ({detail}); please tell the team",
        f"تعذّر على نشرة فحص هذا الملف ({detail})؛ يُرجى إبلاغ الفريق التقني",
    )


def has_errors(problems: tuple[Problem, ...] | list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)
