"""`nashra upload` and `nashra status`: the editor's side of any inbox bucket, local or AWS.

Uploads are validated locally first with the same rules the publisher applies
(`parse_article`, with the site and sections read from the bucket's `config/` objects or
from a content folder), so an editor sees every problem before anything is uploaded.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3

from nashra.adapters.local import key_for
from nashra.core.intake import parse_article
from nashra.core.problems import ConfigError, Problem, has_errors
from nashra.core.site import Section, Site, parse_sections, parse_site
from nashra.dev.console import REPORTS_PREFIX, read_report
from nashra.dev.stack import FAKE_CREDENTIALS, JSON_TYPE

CONFIG_NAMES = {"site.json": "config/site.json", "sections.json": "config/sections.json"}
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def inbox_client(endpoint: str | None) -> Any:
    """An S3 client; a loopback endpoint (moto) gets fake credentials when none are set."""
    endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL")
    kwargs: dict[str, Any] = {"endpoint_url": endpoint} if endpoint else {}
    local = endpoint is not None and urlsplit(endpoint).hostname in LOOPBACK
    if local and "AWS_ACCESS_KEY_ID" not in os.environ:
        kwargs |= {
            "aws_access_key_id": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            "region_name": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        }
    return boto3.client("s3", **kwargs)


def config_from_bucket(s3: Any, bucket: str) -> tuple[Site, tuple[Section, ...]]:
    def read(key: str) -> bytes:
        data: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return data

    return parse_site(read("config/site.json")), parse_sections(read("config/sections.json"))


def config_from_folder(content: Path) -> tuple[Site, tuple[Section, ...]]:
    site = parse_site((content / "site.json").read_bytes())
    return site, parse_sections((content / "sections.json").read_bytes())


@dataclass(frozen=True)
class Checked:
    path: Path
    key: str
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not has_errors(self.problems)


def key_of(path: Path, prefix: str, content: Path | None) -> str:
    """Inbox key of a file: its place in a content folder, else `prefix` + its name."""
    if path.name in CONFIG_NAMES:
        return CONFIG_NAMES[path.name]
    if content is not None and path.resolve().is_relative_to(content.resolve()):
        return key_for(content, path)
    return prefix + path.name


def check(path: Path, key: str, config: tuple[Site, tuple[Section, ...]], now: datetime) -> Checked:
    """Validate one file the way the publisher will."""
    raw = path.read_bytes()
    if key.startswith("config/"):
        try:
            (parse_site if key.endswith("site.json") else parse_sections)(raw)
        except ConfigError as error:
            return Checked(path, key, error.problems)
        return Checked(path, key, ())
    site, sections = config
    result = parse_article(raw, key=key, site=site, sections=sections, now=now)
    return Checked(path, key, result.problems)


def upload(
    s3: Any,
    bucket: str,
    files: Sequence[Path],
    *,
    prefix: str,
    content: Path | None,
    say: Any = print,
) -> int:
    """Validate every file, print every problem, upload the valid ones. Exit code."""
    config = config_from_folder(content) if content else config_from_bucket(s3, bucket)
    now = datetime.now(UTC)
    invalid = 0
    for path in files:
        checked = check(path, key_of(path, prefix, content), config, now)
        for problem in checked.problems:
            say(f"{path}: {problem.as_line()}")
        if not checked.valid:
            invalid += 1
            say(f"{path}: not uploaded")
            continue
        s3.put_object(Bucket=bucket, Key=checked.key, Body=path.read_bytes(), ContentType=JSON_TYPE)
        say(f"{path}: uploaded to s3://{bucket}/{checked.key}")
    say(f"{len(files) - invalid} uploaded, {invalid} invalid")
    return 1 if invalid else 0


def reports(s3: Any, bucket: str) -> list[tuple[str, dict[str, Any]]]:
    """Every report in the inbox: (uploaded key, report), in key order."""
    found = []
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=REPORTS_PREFIX):
        for obj in page.get("Contents", ()):
            key = obj["Key"].removeprefix(REPORTS_PREFIX)
            report = read_report(s3, bucket, key)
            if report is not None:
                found.append((key, report))
    return sorted(found, key=lambda item: item[0])
