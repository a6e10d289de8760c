"""The publisher function's settings, read from its environment (template.yaml sets them).

>>> env = {"INBOX_BUCKET": "inbox", "FEEDS_BUCKET": "feeds", "INDEX_TABLE": "index"}
>>> Settings.from_env({**env, "WORK_QUEUE": ""}).work_queue is None  # empty means unset
True
>>> Settings.from_env({**env, "READ_TIMEOUT": "2.5"}).read_timeout
2.5
>>> try:
...     Settings.from_env({"INBOX_BUCKET": "in", "FEEDS_BUCKET": "feeds", "MAX_ATTEMPTS": "x"})
... except SettingsError as error:
...     for problem in str(error).split("; "):
...         print(problem)
INBOX_BUCKET needs at least 3 characters
INDEX_TABLE is required
MAX_ATTEMPTS is not an integer: 'x'

A plain dataclass, not a pydantic model: the function reads these before its first event,
and a model here would load pydantic's model machinery into every cold start, batches
that validate nothing included (D15).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields


class SettingsError(ValueError):
    """The environment lacks a required setting or holds a value of the wrong type."""


@dataclass(frozen=True)
class Settings:
    """Where the function reads and writes. `AWS_ENDPOINT_URL` (moto, `nashra dev`) is
    honoured by botocore itself and needs no field here."""

    inbox_bucket: str
    feeds_bucket: str
    index_table: str
    distribution_id: str | None = None
    work_queue: str | None = None  # URL or name; a config change requeues every article
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    max_attempts: int = 3

    @classmethod
    def variables(cls) -> dict[str, bool]:
        """Each environment variable read, and whether it is required."""
        return {
            f.name.upper(): f.default is MISSING and f.default_factory is MISSING
            for f in fields(cls)
        }

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build from SCREAMING_SNAKE variables (an empty one is unset); a missing required
        one, a name under 3 characters or a number that does not parse raises
        `SettingsError`, naming every such variable."""
        values: dict[str, object] = {}
        errors: list[str] = []
        for f in fields(cls):
            name = f.name.upper()
            raw = env.get(name, "")
            if raw == "":
                if f.default is MISSING:
                    errors.append(f"{name} is required")
                continue
            if f.type == "float":
                values[f.name] = _number(name, raw, float, "a number", errors)
            elif f.type == "int":
                values[f.name] = _number(name, raw, int, "an integer", errors)
            elif f.default is MISSING and len(raw) < 3:  # bucket and table names
                errors.append(f"{name} needs at least 3 characters")
            else:
                values[f.name] = raw
        if errors:
            raise SettingsError("; ".join(errors))
        return cls(**values)  # type: ignore[arg-type]


def _number(
    name: str, raw: str, kind: type[float] | type[int], what: str, errors: list[str]
) -> float | None:
    try:
        return kind(raw.strip())
    except ValueError:
        errors.append(f"{name} is not {what}: {raw!r}")
        return None
