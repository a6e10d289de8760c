"""The function's settings, read from its environment."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from nashra.handlers.settings import Settings


def test_settings_from_env() -> None:
    env = {
        "INBOX_BUCKET": "in-bucket",
        "FEEDS_BUCKET": "out-bucket",
        "INDEX_TABLE": "index",
        "BREAKING_DISTRIBUTION_ID": "",
    }
    settings = Settings.from_env(env)
    assert (settings.inbox_bucket, settings.feeds_bucket) == ("in-bucket", "out-bucket")
    assert settings.breaking_distribution_id is None
    with pytest.raises(ValidationError):
        Settings.from_env({"INBOX_BUCKET": "in-bucket"})
