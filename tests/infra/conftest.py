"""Fixtures for the template checks: the SAM template as written and as CloudFormation."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

# pytest runs with --import-mode=importlib, which puts no test folder on sys.path; the
# template helpers shared by this folder's modules live next to this file.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cfn_template import Template, load_template, translate


@pytest.fixture(scope="session")
def sam_template() -> Template:
    return load_template()


@pytest.fixture(scope="session")
def cfn(sam_template: Template) -> Template:
    """The template after the SAM transform: what CloudFormation deploys."""
    return translate(sam_template)


@pytest.fixture(scope="session")
def resources(cfn: Template) -> dict[str, Any]:
    found: dict[str, Any] = cfn["Resources"]
    return found
