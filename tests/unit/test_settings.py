"""The function's settings, read from its environment."""

from __future__ import annotations

import pytest

from nashra.handlers.settings import Settings, SettingsError


def test_settings_from_env() -> None:
    env = {
        "INBOX_BUCKET": "in-bucket",
        "FEEDS_BUCKET": "out-bucket",
        "INDEX_TABLE": "index",
        "DISTRIBUTION_ID": "",
    }
    settings = Settings.from_env(env)
    assert (settings.inbox_bucket, settings.feeds_bucket) == ("in-bucket", "out-bucket")
    assert settings.distribution_id is None
    with pytest.raises(SettingsError, match="FEEDS_BUCKET is required; INDEX_TABLE is required"):
        Settings.from_env({"INBOX_BUCKET": "in-bucket"})
    with pytest.raises(SettingsError, match="READ_TIMEOUT is not a number"):
        Settings.from_env({**env, "READ_TIMEOUT": "soon"})
    assert Settings.from_env({**env, "MAX_ATTEMPTS": "5"}).max_attempts == 5
    assert Settings.variables()["INBOX_BUCKET"] is True
    assert Settings.variables()["WORK_QUEUE"] is False
