"""`nashra dev` as a command: --once publishes and exits; SIGINT stops a running stack."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nashra.cli import main

from .conftest import CONTENT, copy_content, http

pytestmark = pytest.mark.e2e


def test_once_publishes_the_folder_and_exits_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = copy_content(tmp_path / "content", articles=2)
    before = os.environ.get("AWS_ENDPOINT_URL")
    assert main(["dev", str(content), "--port", "0", "--once"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"moto server\s+http://127\.0\.0\.1:\d+", out)
    assert "uploaded 4 files" in out
    # The first two articles in sorted order: one published, one draft.
    assert out.count("published articles/") == 1
    assert out.count("draft     articles/") == 1
    assert re.search(r"feeds served [\d.]+ s after start", out)
    assert os.environ.get("AWS_ENDPOINT_URL") == before  # the environment is put back


def test_once_tells_drafts_from_published_articles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = copy_content(tmp_path / "content", articles=0)
    shutil.copy(CONTENT / "articles" / "arab-film-festival-awards.json", content / "articles")
    assert main(["dev", str(content), "--port", "0", "--once"]) == 0
    out = capsys.readouterr().out
    assert "draft     articles/arab-film-festival-awards.json" in out
    assert "published articles/" not in out


def test_once_passes_when_site_json_was_read_before_sections_json_arrived(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A quick poller reconciles site.json before sections.json is uploaded: site.json is
    rejected for the missing file, and its report goes once sections.json arrives. The
    run ends with a valid config, so --once exits 0 (it failed at random under load: a
    rejection seen on the way was taken for a broken config)."""
    from nashra.dev.stack import DevStack

    content = copy_content(tmp_path / "content", articles=1)
    upload_all = DevStack.upload_content

    def site_json_alone_first(stack: DevStack) -> list[str]:
        stack.upload_file("config/site.json", content / "site.json")
        assert stack.wait_drained(60)  # reconciled with no sections.json in the inbox
        return upload_all(stack)

    monkeypatch.setattr(DevStack, "upload_content", site_json_alone_first)
    assert main(["dev", str(content), "--port", "0", "--once"]) == 0
    out = capsys.readouterr().out
    assert "rejected  config/site.json" in out  # the race happened
    assert out.count("published articles/") == 1


def test_the_config_files_go_up_in_one_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """nashra dev holds its poller while it uploads site.json and sections.json, so an
    editor never sees site.json rejected for a sections.json that is on its way: here a
    second passes between the two uploads, long enough for any poll."""
    from nashra.dev.stack import DevStack

    content = copy_content(tmp_path / "content", articles=1)
    upload = DevStack.upload_file

    def slowly(stack: DevStack, key: str, path: Path) -> None:
        upload(stack, key, path)
        if key == "config/site.json":
            time.sleep(1.0)

    monkeypatch.setattr(DevStack, "upload_file", slowly)
    assert main(["dev", str(content), "--port", "0", "--once"]) == 0
    out = capsys.readouterr().out
    assert "rejected" not in out
    assert "config    config/site.json" in out and "config    config/sections.json" in out


def test_once_fails_when_the_site_config_is_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = copy_content(tmp_path / "content", articles=1)
    (content / "site.json").write_text('{"title": 1}', encoding="utf-8")
    assert main(["dev", str(content), "--port", "0", "--once", "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "rejected  config/site.json" in captured.out
    assert "pipeline failed" in captured.err


def test_sigint_stops_a_running_stack_cleanly(tmp_path: Path) -> None:
    content = copy_content(tmp_path / "content", articles=1)
    process = subprocess.Popen(
        [sys.executable, "-m", "nashra.cli", "dev", str(content), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    out: list[str] = []
    url = None
    for line in process.stdout:
        out.append(line)
        match = re.search(r"feeds \(CDN\)\s+(http://127\.0\.0\.1:\d+)", line)
        url = match.group(1) if match else url
        if line.startswith("watching") or time.monotonic() > deadline:
            break
    assert url is not None, "".join(out)
    assert any(f"{url}/all/rss.xml" in line for line in out), "".join(out)
    assert http(f"{url}/all/rss.xml").status == 200
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=20)
    assert process.returncode == 0, "".join(out) + rest
    assert "stopping" in rest
    assert "Traceback" not in rest
