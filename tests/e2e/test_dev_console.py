"""A calm console (issue 11): `nashra dev` prints one line per article, sums the rest, and
keeps the handler's JSON logs to itself unless `--verbose`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nashra.dev.poller import BatchResult

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
    """24 foreign messages on the work queue before the uploads: one summary line per
    batch they arrive in (a batch holds at most 10), never one line each.

    The poller is held while the queue is filled, so it meets a backlog of 24 + 4
    messages in one FIFO group and receives them as Lambda would, 10 at a time: without
    the hold it picks up whatever has arrived at each receive (one, two...), and a line
    per batch would look like a line per message. Each batch's lines are matched to the
    batch that printed them (the console prints before the stack's `on_batch`)."""
    content = copy_content(tmp_path / "content", articles=2)
    lines: list[str] = []
    printed: list[tuple[BatchResult, list[str]]] = []

    def on_batch(result: BatchResult) -> None:
        done = sum(len(batch_lines) for _, batch_lines in printed)
        printed.append((result, lines[done:]))

    stack = start_stack(content, say=lines.append, on_batch=on_batch)
    try:
        assert stack.poller is not None
        with stack.poller.held():
            assert stack.queue_depth() == 0  # nothing else in flight or waiting
            foreign = {
                stack.sqs.send_message(
                    QueueUrl=stack.queue_urls["WorkQueue"],
                    MessageBody=json.dumps({"source": "aws.s3", "detail-type": "Object Tagged"}),
                    MessageGroupId="feeds",
                    MessageDeduplicationId=f"foreign-{i}",
                )["MessageId"]
                for i in range(24)
            }
            uploaded = stack.upload_content()
            assert len(uploaded) == 4  # two config files, two articles
            assert stack.queue_depth() == 24 + 4  # moto queues each event with its PUT
        assert stack.wait_drained(60)
    finally:
        stack.stop()
    per_batch = [sum(r.message_id in foreign for r in result.records) for result, _ in printed]
    assert per_batch[:3] == [10, 10, 4], per_batch  # the backlog, 10 a batch, in order
    assert sum(per_batch) == 24
    for (_, batch_lines), count in zip(printed, per_batch, strict=True):
        ignored = [line for line in batch_lines if line.startswith("ignored")]
        noun = "message" if count == 1 else "messages"
        expected = [f"ignored   {count} {noun} nashra does not read"] if count else []
        assert [line.split(" (")[0] for line in ignored] == expected, batch_lines
    assert sum(line.startswith("ignored") for line in lines) == 3
    assert not [line for line in lines if "(message " in line]
    for key in article_keys(content):
        assert sum(f" {key} " in line for line in lines) == 1, (key, lines)
