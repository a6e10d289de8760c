"""A calm console (issue 11): `nashra dev` prints one line per article, sums the rest, and
keeps the handler's JSON logs to itself unless `--verbose`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import copy_content, start_stack

pytestmark = pytest.mark.e2e


def article_keys(content: Path) -> list[str]:
    return sorted(f"articles/{p.name}" for p in (content / "articles").glob("*.json"))


def test_start_prints_one_line_per_article_and_no_log_lines(tmp_path: Path) -> None:
    """As `make run` starts: a separate process, so the handler's logger writes to the
    real stdout as it does there."""
    content = copy_content(tmp_path / "content", articles=4)
    done = subprocess.run(
        [sys.executable, "-m", "nashra.cli", "dev", str(content), "--once", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert not [line for line in lines if line.lstrip().startswith("{")], done.stdout
    for key in article_keys(content):
        assert sum(f" {key} " in line for line in lines) == 1, (key, done.stdout)
    assert not [line for line in lines if "message" in line and "ignored" in line]
    # banner (5), "uploaded", two config files, the articles, at most one line per kind
    # of the rest (sweep, unchanged), the summary and the served URL
    assert len(lines) <= 5 + 1 + 2 + 4 + 2 + 2, done.stdout


def test_messages_nashra_does_not_read_are_one_line_per_batch(tmp_path: Path) -> None:
    """24 foreign messages on the work queue next to the uploads: one summary line per
    batch they arrive in (a batch holds at most 10), never one line each."""
    content = copy_content(tmp_path / "content", articles=2)
    lines: list[str] = []
    stack = start_stack(content, say=lines.append)
    try:
        for i in range(24):
            stack.sqs.send_message(
                QueueUrl=stack.queue_urls["WorkQueue"],
                MessageBody=json.dumps({"source": "aws.s3", "detail-type": "Object Tagged"}),
                MessageGroupId="feeds",
                MessageDeduplicationId=f"foreign-{i}",
            )
        stack.upload_content()
        assert stack.wait_drained(60)
    finally:
        stack.stop()
    ignored = [line for line in lines if line.startswith("ignored")]
    assert 3 <= len(ignored) <= 4, lines  # 24 messages in batches of at most 10
    assert sum(int(line.split()[1]) for line in ignored) == 24
    assert not [line for line in lines if "(message " in line]
    for key in article_keys(content):
        assert sum(f" {key} " in line for line in lines) == 1, (key, lines)
