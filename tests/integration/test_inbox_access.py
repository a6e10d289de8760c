"""Who may upload what (issue 11): template.yaml's EditorsPolicy and SiteAdminsPolicy, in
moto's IAM with IAM enforcement on.

Each policy is created from the template's own statements (intrinsics resolved the way
`nashra dev` resolves them), attached to one user, and tried with that user's access
keys. moto authorises a request as AWS does for what these policies use: an Allow whose
Action and Resource match (`arn:aws:s3:::bucket` for listing, `…/key` for objects, the
queue ARN for SQS), none otherwise. moto ignores the Condition of identity policies; the
two policies have none, so nothing here depends on that gap.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core.authorization import enable_iam_authentication

from nashra.core.keys import report_key
from nashra.dev.resources import _Resolver, default_template, load_template
from nashra.editor import reports, upload

REGION = "us-east-1"
CONTENT = Path(__file__).resolve().parents[2] / "content"
ARTICLE = CONTENT / "articles" / "gold-price-record.json"


class Inbox:
    """The inbox bucket and work queue with template.yaml's names, and one IAM user per
    policy (plus one with none), each with a client signed by its own access key."""

    def __init__(self) -> None:
        template = load_template(default_template())
        resolver = _Resolver(template, REGION)
        self.bucket = resolver.physical_name("InboxBucket")
        self.queue_url = ""
        self.policies = {
            name: resolver.resolve(template["Resources"][name]["Properties"]["PolicyDocument"])
            for name in ("EditorsPolicy", "SiteAdminsPolicy")
        }
        self.queue_name = resolver.physical_name("WorkQueue")

    def provision(self) -> None:
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=self.bucket)
        s3.put_bucket_versioning(Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})
        for name in ("site.json", "sections.json"):
            s3.put_object(
                Bucket=self.bucket, Key=f"config/{name}", Body=(CONTENT / name).read_bytes()
            )
        s3.put_object(Bucket=self.bucket, Key="articles/old.json", Body=ARTICLE.read_bytes())
        report = {"key": "articles/bad.json", "accepted": False, "problems": []}
        s3.put_object(
            Bucket=self.bucket, Key=report_key("articles/bad.json"), Body=json.dumps(report)
        )
        sqs = boto3.client("sqs", region_name=REGION)
        self.queue_url = sqs.create_queue(
            QueueName=self.queue_name,
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
        )["QueueUrl"]

    def user(self, name: str, policy: str | None) -> dict[str, str]:
        iam = boto3.client("iam", region_name=REGION)
        iam.create_user(UserName=name)
        if policy is not None:
            arn = iam.create_policy(
                PolicyName=f"nashra-{policy}", PolicyDocument=json.dumps(self.policies[policy])
            )["Policy"]["Arn"]
            iam.attach_user_policy(UserName=name, PolicyArn=arn)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return {
            "aws_access_key_id": key["AccessKeyId"],
            "aws_secret_access_key": key["SecretAccessKey"],
        }


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Inbox, dict[str, dict[str, str]]]]:
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)  # the users' keys sign alone
    with mock_aws():
        box = Inbox()
        box.provision()
        keys = {
            "editor": box.user("editor", "EditorsPolicy"),
            "admin": box.user("admin", "SiteAdminsPolicy"),
            "outsider": box.user("outsider", None),
        }
        with enable_iam_authentication():
            yield box, keys


def client(keys: dict[str, str], service: str = "s3") -> Any:
    return boto3.client(service, region_name=REGION, **keys)


def allowed(call: Any, **kwargs: Any) -> bool:
    try:
        call(**kwargs)
    except ClientError as error:
        # S3 says AccessDenied; moto's SQS (JSON protocol) gives the bare status.
        code, message = error.response["Error"]["Code"], error.response["Error"]["Message"]
        assert code == "AccessDenied" or "not authorized" in message, (code, message)
        return False
    return True


def test_editor_writes_and_deletes_articles_but_not_config_or_reports(inbox: Any) -> None:
    box, keys = inbox
    s3 = client(keys["editor"])
    put, delete = s3.put_object, s3.delete_object
    assert allowed(put, Bucket=box.bucket, Key="articles/x.json", Body=b"{}")
    assert allowed(delete, Bucket=box.bucket, Key="articles/x.json")
    assert not allowed(put, Bucket=box.bucket, Key="config/site.json", Body=b"{}")
    assert not allowed(delete, Bucket=box.bucket, Key="config/sections.json")
    assert not allowed(put, Bucket=box.bucket, Key="reports/articles/x.json", Body=b"{}")
    assert not allowed(put, Bucket=box.bucket, Key="feeds.opml", Body=b"{}")


def test_editor_reads_reports_config_and_earlier_versions_but_deletes_none(inbox: Any) -> None:
    box, keys = inbox
    s3 = client(keys["editor"])
    get = s3.get_object
    assert allowed(get, Bucket=box.bucket, Key=report_key("articles/bad.json"))
    assert allowed(get, Bucket=box.bucket, Key="config/site.json")
    assert allowed(s3.list_objects_v2, Bucket=box.bucket, Prefix="reports/")
    versions = s3.list_object_versions(Bucket=box.bucket, Prefix="articles/old.json")
    version = versions["Versions"][0]["VersionId"]
    assert allowed(get, Bucket=box.bucket, Key="articles/old.json", VersionId=version)
    # Deleting a version is for good (versioning keeps deleted articles for 90 days).
    delete = s3.delete_object
    assert not allowed(delete, Bucket=box.bucket, Key="articles/old.json", VersionId=version)


def test_nashra_upload_and_status_work_with_the_editors_policy(inbox: Any, tmp_path: Path) -> None:
    """What `nashra upload` (read the config, validate, put) and `nashra status` (list and
    read reports) call, signed with the editor's keys."""
    box, keys = inbox
    s3 = client(keys["editor"])
    said: list[str] = []
    code = upload(s3, box.bucket, [ARTICLE], prefix="articles/", content=None, say=said.append)
    assert code == 0, said
    found = reports(s3, box.bucket)
    assert [r.key for r in found] == ["articles/bad.json"]


def test_site_admin_also_changes_config_and_queues_a_sweep(inbox: Any) -> None:
    box, keys = inbox
    s3 = client(keys["admin"])
    put = s3.put_object
    body = (CONTENT / "site.json").read_bytes()
    assert allowed(put, Bucket=box.bucket, Key="config/site.json", Body=body)
    assert allowed(put, Bucket=box.bucket, Key="articles/y.json", Body=b"{}")
    assert allowed(s3.delete_object, Bucket=box.bucket, Key="articles/y.json")
    assert not allowed(put, Bucket=box.bucket, Key="reports/config/site.json", Body=b"{}")
    send = client(keys["admin"], "sqs").send_message
    sweep = {"QueueUrl": box.queue_url, "MessageBody": '{"action":"sweep"}'}
    assert allowed(send, MessageGroupId="feeds", **sweep)
    editor_send = client(keys["editor"], "sqs").send_message
    assert not allowed(editor_send, MessageGroupId="feeds", **sweep)


def test_a_user_without_either_policy_may_do_nothing(inbox: Any) -> None:
    box, keys = inbox
    s3 = client(keys["outsider"])
    assert not allowed(s3.put_object, Bucket=box.bucket, Key="articles/x.json", Body=b"{}")
    assert not allowed(s3.list_objects_v2, Bucket=box.bucket)
