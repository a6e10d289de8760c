"""The SAM template as data: loading, offline translation, references, and the tools.

The translation runs offline: the local CodeUri is swapped for an
S3 URI as `sam deploy` would, and the managed-policy loader must never be asked for IAM.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform  # type: ignore[import-untyped]
from samtranslator.yaml_helper import yaml_parse  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
TOOLS_BIN = ROOT / ".venv-tools" / "bin"

Template = dict[str, Any]

# Pseudo parameters are not resources: references to them are not edges.
_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


class OfflinePolicyLoader:
    """Stands in for samtranslator's ManagedPolicyLoader, which would call IAM."""

    def load(self) -> dict[str, str]:
        raise AssertionError("the template made SAM look up AWS managed policies (needs IAM)")


def parse_template(text: str) -> Template:
    """YAML with CloudFormation's short tags (!Ref, !Sub ...) as their long forms."""
    parsed: Template = yaml_parse(text)
    return parsed


def load_template(path: Path = TEMPLATE) -> Template:
    return parse_template(path.read_text(encoding="utf-8"))


def translate(sam_template: Template) -> Template:
    """Transform a SAM template to CloudFormation without network or credentials."""
    fragment = copy.deepcopy(sam_template)
    for resource in fragment.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://nashra-artefacts/publisher.zip"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_DEFAULT_REGION", "eu-central-1")
        result: Template = transform(fragment, {}, OfflinePolicyLoader())
    return result


def referenced_names(node: Any) -> Iterator[str]:
    """Every logical id or parameter that Ref, Fn::GetAtt or Fn::Sub names under node."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                yield value.split(".")[0] if isinstance(value, str) else value[0]
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                yield from _SUB_NAME.findall(text)
                if not isinstance(value, str):
                    yield from referenced_names(value[1])
            else:
                yield from referenced_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from referenced_names(item)


def dependency_graph(cfn: Template) -> dict[str, set[str]]:
    """Resource -> the resources CloudFormation must create first (Ref/GetAtt/Sub/DependsOn)."""
    resources: dict[str, Any] = cfn["Resources"]
    graph: dict[str, set[str]] = {}
    for name, resource in resources.items():
        depends = resource.get("DependsOn", [])
        depends = [depends] if isinstance(depends, str) else depends
        names = set(referenced_names(resource.get("Properties", {}))) | set(depends)
        graph[name] = {n for n in names if n in resources}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A dependency cycle as a path that returns to its start, or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def tool(name: str) -> Path:
    """A command from .venv-tools (sam, checkov); a missing one fails the test, never skips."""
    path = TOOLS_BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make tools` (infra/requirements-tools.txt)")
    return path


def venv_command(name: str) -> Path:
    """A command installed next to the running interpreter (the app venv: cfn-lint)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make test` (installs .[dev])")
    return path


# The tools run offline: no telemetry, fake credentials, a region; checkov skips its
# download of guideline links (the machine reaches package registries only).
OFFLINE_ENV = {
    "SAM_CLI_TELEMETRY": "0",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


def run(
    args: list[str | Path], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=ROOT,
        env={**os.environ, **OFFLINE_ENV, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
