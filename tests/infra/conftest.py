"""Fixtures for the template checks: the SAM template as written and as CloudFormation."""

from __future__ import annotations

from typing import Any

import pytest
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
