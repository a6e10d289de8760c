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

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


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


class DateParseError(NashraError, ValueError):
    """A date could not be read. `message_en`/`message_ar` say why, for the report."""

    def __init__(self, message_en: str, message_ar: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_ar = message_ar


def has_errors(problems: tuple[Problem, ...] | list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)
