"""The publisher function's settings, read from its environment (template.yaml sets them).

>>> env = {"INBOX_BUCKET": "inbox", "FEEDS_BUCKET": "feeds", "INDEX_TABLE": "index"}
>>> Settings.from_env({**env, "WORK_QUEUE": ""}).work_queue is None  # empty means unset
True
>>> Settings.from_env({**env, "READ_TIMEOUT": "2.5"}).read_timeout
2.5
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    """Where the function reads and writes. `AWS_ENDPOINT_URL` (moto, `nashra dev`) is
    honoured by boto3 itself and needs no field here."""

    model_config = ConfigDict(frozen=True)

    inbox_bucket: str = Field(min_length=3)
    feeds_bucket: str = Field(min_length=3)
    index_table: str = Field(min_length=3)
    breaking_distribution_id: str | None = None
    work_queue: str | None = None  # URL or name; a config change requeues every article
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    max_attempts: int = 3

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build from SCREAMING_SNAKE variables; a missing required one raises ValidationError."""
        fields = {name: env[name.upper()] for name in cls.model_fields if name.upper() in env}
        return cls.model_validate({k: v for k, v in fields.items() if v != ""})
