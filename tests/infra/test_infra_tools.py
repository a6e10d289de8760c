"""The template passes the linters and the security scan, and `sam build` ships arm64 code.

The tools come from `make tools` (.venv-tools) and cfn-lint from the app venv; a missing
tool fails the test with the command that installs it.
"""

from __future__ import annotations

import json
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from cfn_template import TEMPLATE, Template, parse_template, run, tool, venv_command

pytestmark = pytest.mark.infra

ARTEFACT_LIMIT_BYTES = 250 * 1024 * 1024  # Lambda's unzipped package limit
# Lambda's architecture names as they appear in the wheels' native file names.
MACHINE = {"arm64": "aarch64", "x86_64": "x86_64"}


def test_cfn_lint_is_clean() -> None:
    result = run([venv_command("cfn-lint"), TEMPLATE])
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_sam_validate_is_clean() -> None:
    """`sam validate` as infra/samconfig.toml configures it (with its own bundled cfn-lint)."""
    result = run([tool("sam"), "validate", "--config-file", "infra/samconfig.toml"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


# --- checkov -------------------------------------------------------------------------------


def _checkov(path: Path) -> dict[str, Any]:
    result = run(
        [
            tool("checkov"),
            "-f",
            path,
            "--framework",
            "cloudformation",
            "-o",
            "json",
            "--skip-download",
        ]
    )
    assert result.stdout, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _declared_skips(sam_template: Template) -> dict[tuple[str, str], str]:
    """(resource, check id) -> comment, from each resource's Metadata.checkov.skip."""
    return {
        (name, skip["id"]): skip.get("comment", "")
        for name, resource in sam_template["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    }


def _result_keys(checks: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(c["resource"].split(".", 1)[1], c["check_id"]) for c in checks}


@pytest.fixture(scope="module")
def checkov_report() -> dict[str, Any]:
    return _checkov(TEMPLATE)


def test_checkov_passes_with_justified_skips(
    checkov_report: dict[str, Any], sam_template: Template
) -> None:
    summary = checkov_report["summary"]
    results = checkov_report["results"]
    print(
        f"checkov {summary['checkov_version']}: passed={summary['passed']} "
        f"failed={summary['failed']} skipped={summary['skipped']}"
    )
    failed = sorted(_result_keys(results["failed_checks"]))
    assert failed == [], "fix these or skip them with a reason in the resource's Metadata"
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 0
    skips = _declared_skips(sam_template)
    assert {k for k, comment in skips.items() if len(comment.split()) < 5} == set()
    # Every declared skip silenced a check that actually ran (no typos, no stale ids).
    assert _result_keys(results["skipped_checks"]) == set(skips)


def test_every_checkov_skip_hides_a_real_failure(sam_template: Template, tmp_path: Path) -> None:
    """Without the skips, exactly the skipped checks fail: none is kept out of habit."""
    stripped = _without_checkov_metadata(TEMPLATE.read_text(encoding="utf-8"))
    bare = parse_template(stripped)
    assert all("Metadata" not in r for r in bare["Resources"].values())
    assert bare["Resources"].keys() == sam_template["Resources"].keys()
    path = tmp_path / "template.yaml"
    path.write_text(stripped, encoding="utf-8")
    report = _checkov(path)
    assert _result_keys(report["results"]["failed_checks"]) == set(_declared_skips(sam_template))


def _without_checkov_metadata(text: str) -> str:
    """Drop every `Metadata: checkov: skip:` block (they are the only Metadata blocks)."""
    kept: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        if line == "    Metadata:\n":
            skipping = True
            continue
        if skipping and (line.startswith("      ") or not line.strip()):
            continue
        skipping = False
        kept.append(line)
    return "".join(kept)


# --- sam build -----------------------------------------------------------------------------


def _pyenv_version(release: str) -> str:
    """The newest pyenv-installed Python of `release` ("3.13"); fails when there is none."""
    found = subprocess.run(
        ["pyenv", "versions", "--bare"], capture_output=True, text=True, check=False
    ).stdout.split()
    matching = [v for v in found if v.startswith(f"{release}.") and v[len(release) + 1 :].isdigit()]
    if not matching:
        pytest.fail(f"no Python {release} for sam build: `pyenv install {release}` (P-BUILD-1)")
    return max(matching, key=lambda v: int(v.rsplit(".", 1)[1]))


def _sam_build(build_dir: Path, runtime: str) -> subprocess.CompletedProcess[str]:
    """`sam build` as infra/README.md runs it, with the runtime's own Python on PATH.

    Without a container sam needs `pythonX.Y` of the template's runtime on PATH
    (P-BUILD-1): pyenv provides it next to the Python that runs the tools.
    """
    release = runtime.removeprefix("python")
    pyenv = f"{platform.python_version()}:{_pyenv_version(release)}"
    command = [tool("sam"), "build", "--config-file", "infra/samconfig.toml"]
    # Not cached: samconfig's cache would live in the work tree (.aws-sam/deps).
    command += ["--build-dir", build_dir, "--no-cached"]
    return run(command, env={"PYENV_VERSION": pyenv})


def test_sam_build_ships_code_for_the_template_runtime_and_architecture(
    sam_template: Template, tmp_path: Path
) -> None:
    function = sam_template["Resources"]["PublisherFunction"]["Properties"]
    runtime, (architecture,) = function["Runtime"], function["Architectures"]
    build_dir = tmp_path / "build"
    started = time.monotonic()
    result = _sam_build(build_dir, runtime)
    print(f"sam build ({runtime}, {architecture}): {time.monotonic() - started:.1f} s")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    artefact = build_dir / "PublisherFunction"
    handler_module = function["Handler"].rpartition(".")[0]
    assert (artefact / Path(*handler_module.split("."))).with_suffix(".py").is_file()
    # Native wheels were chosen for the runtime's CPython and the function's machine.
    tag = f"cpython-{runtime.removeprefix('python').replace('.', '')}-{MACHINE[architecture]}"
    for module in ("regex/_regex", "pydantic_core/_pydantic_core"):
        assert (artefact / f"{module}.{tag}-linux-gnu.so").is_file(), (module, tag)
    # Bytecode of the runtime's Python beside every module, hash-checked (a zip keeps
    # mtimes to two seconds): Lambda's code is read-only, so a cold start could not cache
    # what it compiled (functions/Makefile).
    version = runtime.removeprefix("python").replace(".", "")
    for module in (handler_module, "nashra.publish", "botocore.session", "pydantic.main"):
        package, _, name = module.rpartition(".")
        pyc = artefact / Path(*package.split(".")) / "__pycache__" / f"{name}.cpython-{version}.pyc"
        header = pyc.read_bytes()[:16]
        assert int.from_bytes(header[4:8], "little") == 0b11, (module, "not checked-hash")
    sources = [p for p in artefact.rglob("*.py") if "__pycache__" not in p.parts]
    compiled = {p.parent / p.name.split(".")[0] for p in artefact.rglob("*.pyc")}
    assert [p for p in sources if p.parent / "__pycache__" / p.stem not in compiled] == []
    # The feeds are written as text (D14): the tests' reference renderer stays out.
    assert not (artefact / "feedgen").exists() and not (artefact / "lxml").exists()
    native = [p.name for p in artefact.rglob("*.so")]
    other_machines = set(MACHINE.values()) - {MACHINE[architecture]}
    assert [n for n in native if "cpython-" in n and tag not in n] == []
    assert [n for n in native if any(m in n for m in other_machines)] == []
    size = sum(p.stat().st_size for p in artefact.rglob("*") if p.is_file())
    assert size < ARTEFACT_LIMIT_BYTES
