"""What the publisher function loads before its first event (D15, P-COST-1).

A fresh interpreter imports the handler, builds its clients and a publisher, as Lambda's
INIT and first invocation do, and lists the modules it then holds: pydantic and the
renderers must not be among them (the first batch that validates or renders imports
them), nor boto3 (a botocore session builds the clients). `bench/coldstart.py` measures
what this saves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.publishing import empty_inbox

from nashra.core.keys import CONFIG_KEYS

# Modules the ready path must not load: the models (pydantic), validation, rendering.
DEFERRED = (
    "pydantic",
    "pydantic_core",
    "nashra.core.article",
    "nashra.core.site",
    "nashra.core.intake",
    "nashra.core.markup",
    "nashra.render",
    "nh3",
    "regex",
    "lxml",
)

READY = """
import json, sys
import nashra.handlers.work_queue as h
publisher = h.new_publisher(h.services())
print(json.dumps(sorted(sys.modules)))
"""

ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "INBOX_BUCKET": "nashra-inbox",
    "FEEDS_BUCKET": "nashra-feeds",
    "INDEX_TABLE": "nashra-index",
    "WORK_QUEUE": "https://sqs.us-east-1.amazonaws.com/123456789012/work.fifo",
    "DISTRIBUTION_ID": "E2EXAMPLE",
}


def loaded(code: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | ENV
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    modules: list[str] = json.loads(out.stdout.splitlines()[-1])
    return modules


def test_the_ready_function_has_not_loaded_pydantic_or_the_renderers() -> None:
    modules = loaded(READY)
    assert "nashra.publish" in modules and "botocore.client" in modules  # it did get ready
    early = [m for m in modules if m.split(".")[0] in DEFERRED or m.startswith(DEFERRED)]
    assert early == []
    assert "boto3" not in modules  # the clients come from a botocore session


def test_the_first_article_loads_what_the_ready_path_left_out(tmp_path: Path) -> None:
    """The deferred modules are imported where they are used, in a fresh interpreter as
    on a cold start: validating the config and an article, and rendering their feeds."""
    inbox = empty_inbox(tmp_path)
    article = {
        "id": "cold",
        "section": "economy",
        "title": "ارتفاع أسعار النفط",
        "body": "نص الخبر.",
        "published": "2026-11-20T08:15:00+03:00",
    }
    (inbox / "articles" / "cold.json").write_text(json.dumps(article), encoding="utf-8")
    code = f"""
import json, sys
from datetime import UTC, datetime
from pathlib import Path
from nashra.adapters.local import FolderSource, FolderStore, MemoryIndex, MemoryReports
from nashra.publish import Publisher
publisher = Publisher(
    source=FolderSource(Path({str(inbox)!r})), index=MemoryIndex(),
    store=FolderStore(Path({str(tmp_path / "public")!r})), reports=MemoryReports(),
    clock=lambda: datetime(2026, 11, 21, tzinfo=UTC),
)
before = set(sys.modules)
published = publisher.publish([*{list(CONFIG_KEYS)!r}, "articles/cold.json"])
statuses = [o.status for o in published.outcomes]
print(json.dumps([statuses, published.flush.written, sorted(set(sys.modules) - before)]))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    statuses, written, modules = json.loads(out.stdout.splitlines()[-1])
    assert statuses == ["config", "config", "published"]
    assert "economy/rss.xml" in written
    for name in ("nashra.core.intake", "nashra.core.site", "nashra.render"):
        assert name in modules
