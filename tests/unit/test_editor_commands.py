"""`nashra upload`, `status` and `import` work from a plain install: no moto, no watchdog.

The `local` extra is what `nashra dev` needs; an editor who installed nashra alone must
still validate and upload. Each check runs in a fresh interpreter where importing the
local stack's packages fails, as it does when they are not installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CONTENT = Path(__file__).resolve().parents[2] / "content"
# Setting a module to None in sys.modules makes `import` raise ImportError.
WITHOUT_LOCAL_EXTRA = (
    "import sys\n"
    "for name in ('moto', 'moto.server', 'watchdog', 'watchdog.events', 'watchdog.observers',"
    " 'brotli', 'yaml'):\n"
    "    sys.modules[name] = None\n"
)


def run(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter without the local extra."""
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_LOCAL_EXTRA + code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


def test_the_local_stack_really_is_unavailable_there() -> None:
    """The blocker works: the stack itself cannot be imported in that interpreter."""
    result = run("import nashra.dev.stack")
    assert result.returncode != 0
    assert "ImportError" in result.stderr or "ModuleNotFoundError" in result.stderr


@pytest.mark.parametrize("command", ["upload", "status", "import", "sweep", "validate", "build"])
def test_editor_commands_run_their_help_without_moto(command: str) -> None:
    result = run(f"from nashra.cli import main\nmain([{command!r}, '--help'])")
    assert result.returncode == 0, result.stderr
    assert f"usage: nashra {command}" in result.stdout


def run_cli(args: list[str]) -> subprocess.CompletedProcess[str]:
    """`nashra ARGS` without the local extra, against an endpoint where nothing listens."""
    env = {
        "PATH": "/usr/bin:/bin",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # discard port: refused at once
    }
    return run(f"from nashra.cli import main\nraise SystemExit(main({args!r}))", env)


def test_upload_validates_against_a_content_folder_without_moto(tmp_path: Path) -> None:
    """An invalid file is reported and not uploaded: no AWS call, no local stack."""
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "x", "title": ""}', encoding="utf-8")
    result = run_cli(["upload", str(bad), "--bucket", "inbox", "--content", str(CONTENT)])
    assert result.returncode == 1, result.stderr
    assert "not uploaded" in result.stdout
    assert "0 uploaded, 1 invalid" in result.stdout


def test_upload_refuses_a_file_that_would_never_be_published(tmp_path: Path) -> None:
    """«Story.JSON» would be uploaded to articles/Story.JSON, which nashra never reads: it
    is refused before any AWS call, with the name to give it."""
    upper = tmp_path / "Story.JSON"
    upper.write_text(
        json.dumps(
            {
                "id": "story",
                "section": "gulf",
                "title": "خبر",
                "published": "2026-11-20T08:00:00",
                "body": "نص",
            }
        ),
        encoding="utf-8",
    )
    result = run_cli(["upload", str(upper), "--bucket", "inbox", "--content", str(CONTENT)])
    assert result.returncode == 1, result.stderr
    assert "[file-name]: 'Story.JSON' would never be published" in result.stdout
    assert "rename it 'Story.json'" in result.stdout and "0 uploaded, 1 invalid" in result.stdout


def test_status_reports_an_unreachable_inbox_without_moto() -> None:
    result = run_cli(["status", "--bucket", "inbox"])
    assert result.returncode == 2, result.stderr
    assert "s3://inbox: TransientError" in result.stderr
    assert "Traceback" not in result.stderr


def test_upload_without_a_bucket_says_so() -> None:
    result = run_cli(["upload", "x.json"])
    assert result.returncode == 2, result.stderr
    assert "no bucket" in result.stderr


def test_import_checks_the_folder_then_reports_an_unreachable_inbox_without_moto() -> None:
    """The folder's config is read and the inbox listed before anything is uploaded: an
    inbox that cannot be reached stops the import with exit 2 and one line, no traceback."""
    result = run_cli(["import", str(CONTENT), "--bucket", "inbox"])
    assert result.returncode == 2, result.stderr
    assert "s3://inbox: TransientError" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_of_a_folder_with_a_bad_config_uploads_nothing_without_moto(tmp_path: Path) -> None:
    (tmp_path / "site.json").write_text('{"title": ""}', encoding="utf-8")
    (tmp_path / "sections.json").write_bytes((CONTENT / "sections.json").read_bytes())
    result = run_cli(["import", str(tmp_path), "--bucket", "inbox"])
    assert result.returncode == 2, result.stderr
    assert "cannot read the site configuration" in result.stderr
