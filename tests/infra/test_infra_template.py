"""The translated template wires the pipeline of docs/design.md ("The cloud pipeline") safely.

Each test names the property it protects; pitfall ids (P-...) are those of docs/decisions.md.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from cfn_template import ROOT, Template, dependency_graph, find_cycle, referenced_names, translate
from packaging.specifiers import SpecifierSet

from nashra.core.keys import is_meant_as_article
from nashra.core.site import ALL_FEED
from nashra.handlers.settings import Settings
from nashra.render import cache_control_for
from nashra.render.formats import RSS
from nashra.work import MESSAGE_GROUP, Sweep, decode

pytestmark = pytest.mark.infra

FUNCTION = "AWS::Lambda::Function"

# Every permission the publisher holds, as (action, resource). A wider grant fails here.
PUBLISHER_GRANTS = {
    ("logs:CreateLogStream", "PublisherLogGroup.Arn"),
    ("logs:PutLogEvents", "PublisherLogGroup.Arn"),
    *{
        (f"sqs:{a}", "WorkQueue.Arn")
        for a in (
            "ReceiveMessage",
            "DeleteMessage",
            "ChangeMessageVisibility",
            "GetQueueAttributes",
            "SendMessage",  # a sweep's next chunk, a config change's re-deriving sweep
        )
    },
    ("s3:GetObject", "${InboxBucket.Arn}/articles/*"),
    ("s3:GetObject", "${InboxBucket.Arn}/config/*"),
    ("s3:ListBucket", "InboxBucket.Arn"),  # the sweep lists articles/
    ("s3:GetObject", "${InboxBucket.Arn}/reports/*"),
    ("s3:PutObject", "${InboxBucket.Arn}/reports/*"),
    ("s3:DeleteObject", "${InboxBucket.Arn}/reports/*"),
    ("s3:GetObject", "${FeedsBucket.Arn}/*"),
    ("s3:PutObject", "${FeedsBucket.Arn}/*"),
    ("s3:DeleteObject", "${FeedsBucket.Arn}/*"),  # a removed section's feed files
    ("s3:ListBucket", "FeedsBucket.Arn"),
    *{
        (f"dynamodb:{a}", "IndexTable.Arn")
        for a in (
            "GetItem",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "ConditionCheckItem",
            "Query",
            "BatchGetItem",
            "BatchWriteItem",
        )
    },
    (
        "cloudfront:CreateInvalidation",
        "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${FeedsDistribution}",
    ),
}
# Actions that have no resource type and so may be granted on "*": none of the publisher's.
STAR_RESOURCE_ALLOWED: frozenset[str] = frozenset()

GOLDEN = ROOT / "tests" / "golden"

# The Powertools settings the handler relies on (the rest of its variables are Settings').
POWERTOOLS_ENV = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"}

# The values CloudWatch Logs accepts for RetentionInDays (AWS::Logs::LogGroup).
CLOUDWATCH_RETENTION_DAYS = {
    *(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731),
    *(1096, 1827, 2192, 2557, 2922, 3288, 3653),
}
LAMBDA_MAX_TIMEOUT_SECONDS = 900
LAMBDA_MEMORY_MB = range(128, 10240 + 1)
FIFO_MAX_BATCH = 10  # an SQS FIFO event source takes at most 10 messages per batch
# Lambda's SQS guide: a visibility timeout of at least six times the function timeout.
VISIBILITY_PER_TIMEOUT = 6


def props(resources: dict[str, Any], name: str, kind: str) -> dict[str, Any]:
    resource = resources[name]
    assert resource["Type"] == kind, f"{name} is {resource['Type']}, expected {kind}"
    found: dict[str, Any] = resource["Properties"]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def label(resource: Any) -> str:
    """A policy Resource as text: 'X.Arn' for GetAtt, the pattern for Sub, 'Ref:X', or itself."""
    if isinstance(resource, str):
        return resource
    if "Fn::GetAtt" in resource:
        return ".".join(resource["Fn::GetAtt"])
    if "Fn::Sub" in resource:
        sub = resource["Fn::Sub"]
        return str(sub if isinstance(sub, str) else sub[0])
    if "Ref" in resource:
        return f"Ref:{resource['Ref']}"
    raise AssertionError(f"unexpected policy resource {resource!r}")


def statements(policy_document: dict[str, Any]) -> list[dict[str, Any]]:
    return as_list(policy_document["Statement"])


# --- graph ---------------------------------------------------------------------------------


def test_no_dependency_cycle_p_sam_1(cfn: Template) -> None:
    assert find_cycle(dependency_graph(cfn)) is None


def test_cycle_check_catches_the_classic_s3_event_cycle() -> None:
    """The checker itself: an S3 event plus a bucket-scoped policy is a cycle (P-SAM-1)."""
    sam = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": ".",
                    "Handler": "app.handler",
                    "Runtime": "python3.13",
                    "Policies": [{"S3ReadPolicy": {"BucketName": {"Ref": "Bucket"}}}],
                    "Events": {
                        "Up": {
                            "Type": "S3",
                            "Properties": {
                                "Bucket": {"Ref": "Bucket"},
                                "Events": "s3:ObjectCreated:*",
                            },
                        }
                    },
                },
            },
        },
    }
    cycle = find_cycle(dependency_graph(translate(sam)))
    assert cycle is not None
    assert {"Bucket", "Fn", "FnRole"} <= set(cycle)


def test_references_name_resources_or_parameters(cfn: Template) -> None:
    known = set(cfn["Resources"]) | set(cfn["Parameters"])
    dangling = {n for n in referenced_names(cfn["Resources"]) if n not in known}
    assert {n for n in dangling if not n.startswith("AWS::")} == set()


# --- logs ----------------------------------------------------------------------------------


def test_every_function_logs_to_its_own_retained_log_group(resources: dict[str, Any]) -> None:
    functions = {n: r["Properties"] for n, r in resources.items() if r["Type"] == FUNCTION}
    assert functions, "no Lambda function in the template"
    for name, fn in functions.items():
        group_name = fn["LoggingConfig"]["LogGroup"]["Ref"]
        group = props(resources, group_name, "AWS::Logs::LogGroup")
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
        # The group is the one Lambda would create for this function name, so nothing
        # ever writes to an unmanaged, never-expiring /aws/lambda/<name> group.
        function_name = fn["FunctionName"]["Fn::Sub"]
        assert group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/{function_name}"}, name
        assert fn["LoggingConfig"]["LogFormat"] == "JSON"


def test_log_retention_parameter_only_allows_cloudwatch_values(cfn: Template) -> None:
    parameter = cfn["Parameters"]["LogRetentionDays"]
    allowed = set(parameter["AllowedValues"])
    # Every choice deploys, and none means "never expire" (0 or no value).
    assert allowed <= CLOUDWATCH_RETENTION_DAYS
    assert parameter["Default"] in allowed


# --- buckets -------------------------------------------------------------------------------


@pytest.mark.parametrize("bucket", ["InboxBucket", "FeedsBucket"])
def test_bucket_is_private_encrypted_and_tls_only(resources: dict[str, Any], bucket: str) -> None:
    p = props(resources, bucket, "AWS::S3::Bucket")
    assert p["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert p["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    sse = p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    policy = next(
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::S3::BucketPolicy" and r["Properties"]["Bucket"] == {"Ref": bucket}
    )
    deny = [s for s in statements(policy["PolicyDocument"]) if s["Effect"] == "Deny"]
    assert len(deny) == 1
    assert deny[0]["Principal"] == "*"
    assert deny[0]["Action"] == "s3:*"
    assert deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {label(r) for r in deny[0]["Resource"]} == {f"{bucket}.Arn", f"${{{bucket}.Arn}}/*"}


def test_inbox_is_versioned_and_emits_eventbridge_events(resources: dict[str, Any]) -> None:
    p = props(resources, "InboxBucket", "AWS::S3::Bucket")
    assert p["VersioningConfiguration"] == {"Status": "Enabled"}
    assert p["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {"EventBridgeEnabled": True}
    }
    rules = p["LifecycleConfiguration"]["Rules"]
    assert any(r.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays") for r in rules)


def test_feeds_bucket_triggers_nothing_p_loop_1(resources: dict[str, Any]) -> None:
    assert "NotificationConfiguration" not in props(resources, "FeedsBucket", "AWS::S3::Bucket")
    # And no rule listens to it either.
    for name, r in resources.items():
        if r["Type"] == "AWS::Events::Rule":
            assert "FeedsBucket" not in set(referenced_names(r["Properties"])), name


def test_only_the_distribution_reads_the_feeds_bucket_p_cf_4(resources: dict[str, Any]) -> None:
    policy = props(resources, "FeedsBucketPolicy", "AWS::S3::BucketPolicy")
    allows = [s for s in statements(policy["PolicyDocument"]) if s["Effect"] == "Allow"]
    assert len(allows) == 1
    allow = allows[0]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert sorted(as_list(allow["Action"])) == ["s3:GetObject", "s3:ListBucket"]
    assert allow["Condition"] == {
        "StringEquals": {
            "AWS:SourceArn": {
                "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}"
                ":distribution/${FeedsDistribution}"
            }
        }
    }


# --- events and queues ---------------------------------------------------------------------


def _wildcard_matches(pattern: str, key: str) -> bool:
    """EventBridge `wildcard`: `*` matches any run of characters, the rest is literal."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, key) is not None


def _rule_matches_key(key_filters: list[dict[str, str]], key: str) -> bool:
    return any(_wildcard_matches(f["wildcard"], key) for f in key_filters)


def test_rule_selects_inbox_article_and_config_changes(resources: dict[str, Any]) -> None:
    pattern = props(resources, "InboxEventsRule", "AWS::Events::Rule")["EventPattern"]
    assert pattern["source"] == ["aws.s3"]
    assert sorted(pattern["detail-type"]) == ["Object Created", "Object Deleted"]
    assert pattern["detail"]["bucket"]["name"] == [{"Ref": "InboxBucket"}]
    keys = pattern["detail"]["object"]["key"]
    for key in ("articles/2026/خبر.json", "articles/a.json", "config/site.json"):
        assert _rule_matches_key(keys, key), key
    # Misnamed articles come too, so their uploader gets a report on the name at once.
    for key in ("articles/Story.JSON", "articles/2026/Story.Json"):
        assert _rule_matches_key(keys, key) and is_meant_as_article(key), key
    # Reports are written next to the inbox: matching them would loop (P-LOOP-1).
    for key in ("reports/articles/a.json", "articles/a.json.bak", "articles/notes.txt", "x.json"):
        assert not _rule_matches_key(keys, key), key


def test_rule_targets_work_queue_in_one_message_group(resources: dict[str, Any]) -> None:
    targets = props(resources, "InboxEventsRule", "AWS::Events::Rule")["Targets"]
    assert len(targets) == 1
    target = targets[0]
    assert target["Arn"] == {"Fn::GetAtt": ["WorkQueue", "Arn"]}
    # The group the publisher requeues into too: one group, one batch in flight (D2).
    assert target["SqsParameters"] == {"MessageGroupId": MESSAGE_GROUP}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["DeliveryDLQ", "Arn"]}
    # EventBridge DLQs must be standard queues.
    assert "FifoQueue" not in props(resources, "DeliveryDLQ", "AWS::SQS::Queue")


def test_queue_policy_lets_only_the_rule_send(resources: dict[str, Any]) -> None:
    policy = props(resources, "WorkQueuePolicy", "AWS::SQS::QueuePolicy")
    assert {"Ref": "WorkQueue"} in policy["Queues"]
    allows = [s for s in statements(policy["PolicyDocument"]) if s["Effect"] == "Allow"]
    assert len(allows) == 1
    assert allows[0]["Principal"] == {"Service": "events.amazonaws.com"}
    assert allows[0]["Action"] == "sqs:SendMessage"
    assert allows[0]["Condition"] == {
        "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["InboxEventsRule", "Arn"]}}
    }


_RATE = re.compile(r"rate\((?P<value>[1-9][0-9]*) (?P<unit>minute|hour|day)(?P<plural>s?)\)")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def _rate_seconds(expression: str) -> int:
    """The period of a Scheduler `rate(...)` (singular unit for 1, plural otherwise)."""
    match = _RATE.fullmatch(expression)
    assert match, f"{expression!r} is not a rate expression Scheduler accepts"
    value = int(match["value"])
    assert (match["plural"] == "s") == (value != 1), f"{expression!r}: unit and value disagree"
    return value * _UNIT_SECONDS[match["unit"]]


def test_rate_reader() -> None:
    assert _rate_seconds("rate(1 hour)") == 3600
    assert _rate_seconds("rate(15 minutes)") == 900
    for bad in ("rate(1 hours)", "rate(2 hour)", "rate(0 minutes)", "rate(1h)"):
        with pytest.raises(AssertionError):
            _rate_seconds(bad)


def test_schedule_sends_a_sweep_to_the_same_queue_and_group(resources: dict[str, Any]) -> None:
    schedule = props(resources, "SweepSchedule", "AWS::Scheduler::Schedule")
    rule_target = props(resources, "InboxEventsRule", "AWS::Events::Rule")["Targets"][0]
    target = schedule["Target"]
    assert schedule["State"] == "ENABLED"
    assert target["Arn"] == rule_target["Arn"]
    assert target["SqsParameters"] == rule_target["SqsParameters"]
    # The publisher reads the payload as the first chunk of a new sweep: from the first key,
    # comparing ETags (not re-deriving), its run named by the handler after the message id.
    assert decode(target["Input"], "inbox") == Sweep(after="", rederive=False, run="")
    # A sweep is delivered late at most until the next one is due, never on top of it,
    # and a whole function run fits between two of them.
    period = _rate_seconds(schedule["ScheduleExpression"])
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] <= period
    assert period > props(resources, "PublisherFunction", FUNCTION)["Timeout"]
    assert target["DeadLetterConfig"] == rule_target["DeadLetterConfig"]
    role = props(resources, target["RoleArn"]["Fn::GetAtt"][0], "AWS::IAM::Role")
    grants = {
        (action, label(res))
        for policy in role["Policies"]
        for s in statements(policy["PolicyDocument"])
        for action in as_list(s["Action"])
        for res in as_list(s["Resource"])
    }
    assert grants == {("sqs:SendMessage", "WorkQueue.Arn"), ("sqs:SendMessage", "DeliveryDLQ.Arn")}
    (trust,) = statements(role["AssumeRolePolicyDocument"])
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    # Scheduler presents its schedule group as the source ARN; a schedule ARN never matches.
    source = trust["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::Sub"]
    assert source.endswith(":schedule-group/default")


def test_work_queue_is_fifo_deduplicated_and_outlives_the_function(
    resources: dict[str, Any],
) -> None:
    queue = props(resources, "WorkQueue", "AWS::SQS::Queue")
    function = props(resources, "PublisherFunction", FUNCTION)
    assert queue["FifoQueue"] is True
    assert queue["QueueName"]["Fn::Sub"].endswith(".fifo")
    # EventBridge drops messages to a FIFO queue without it (P-FIFO-2).
    assert queue["ContentBasedDeduplication"] is True
    assert queue["SqsManagedSseEnabled"] is True
    # A batch still being worked on is never handed out again (Lambda's SQS guide).
    assert queue["VisibilityTimeout"] >= VISIBILITY_PER_TIMEOUT * function["Timeout"]


# SQS's default MessageRetentionPeriod, for a queue that does not set one.
SQS_DEFAULT_RETENTION_SECONDS = 4 * 24 * 3600


def test_failed_messages_move_to_a_fifo_dlq_after_some_retries(resources: dict[str, Any]) -> None:
    queue = props(resources, "WorkQueue", "AWS::SQS::Queue")
    redrive = queue["RedrivePolicy"]
    assert set(redrive) == {"deadLetterTargetArn", "maxReceiveCount"}
    (dlq_name, attribute) = redrive["deadLetterTargetArn"]["Fn::GetAtt"]
    assert attribute == "Arn"
    # A transient failure is retried before the message is parked.
    assert redrive["maxReceiveCount"] > 1
    dlq = props(resources, dlq_name, "AWS::SQS::Queue")
    # SQS requires a FIFO source's DLQ to be FIFO; nothing else sends to it.
    assert dlq["FifoQueue"] is True
    assert dlq["QueueName"]["Fn::Sub"].endswith(".fifo")
    assert "RedrivePolicy" not in dlq
    # A parked message outlives the time it could have spent in the work queue.
    retention = queue.get("MessageRetentionPeriod", SQS_DEFAULT_RETENTION_SECONDS)
    assert dlq["MessageRetentionPeriod"] >= retention


def test_function_reads_the_queue_in_batches_with_partial_failures(
    resources: dict[str, Any],
) -> None:
    mappings = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
    ]
    assert len(mappings) == 1
    esm = mappings[0]
    assert esm["EventSourceArn"] == {"Fn::GetAtt": ["WorkQueue", "Arn"]}
    assert esm["FunctionName"] == {"Ref": "PublisherFunction"}
    assert 1 <= esm.get("BatchSize", FIFO_MAX_BATCH) <= FIFO_MAX_BATCH
    # One bad record fails alone; without it the whole batch would be retried.
    assert esm["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert esm.get("Enabled", True) is True
    # FIFO event sources take no batching window.
    assert "MaximumBatchingWindowInSeconds" not in esm


# --- function ------------------------------------------------------------------------------


def _lambda_runtimes() -> dict[str, dict[str, str]]:
    """Lambda's runtimes and their deprecation dates, as cfn-lint ships them."""
    spec = importlib.util.find_spec("cfnlint")  # its data only: importing it takes seconds
    assert spec is not None and spec.submodule_search_locations, "cfn-lint is not installed"
    package = Path(next(iter(spec.submodule_search_locations)))
    path = package / "data" / "AdditionalSpecs" / "LmbdRuntimeLifecycle.json"
    found: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return found


def test_function_runtime_is_a_python_lambda_runs_and_nashra_supports(
    resources: dict[str, Any],
) -> None:
    """A Python that Lambda offers (cfn-lint, run above, fails a deprecated one) and that
    pyproject.toml's requires-python allows; sam builds for it in test_infra_tools."""
    fn = props(resources, "PublisherFunction", FUNCTION)
    runtime = fn["Runtime"]
    assert runtime in _lambda_runtimes(), f"{runtime} is not a Lambda runtime"
    assert runtime.startswith("python"), runtime
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert runtime.removeprefix("python") in SpecifierSet(project["requires-python"])
    (architecture,) = fn["Architectures"]
    assert architecture in {"arm64", "x86_64"}
    assert fn["MemorySize"] in LAMBDA_MEMORY_MB
    assert 0 < fn["Timeout"] <= LAMBDA_MAX_TIMEOUT_SECONDS


def test_function_handler_names_a_function_of_the_package(resources: dict[str, Any]) -> None:
    handler = props(resources, "PublisherFunction", FUNCTION)["Handler"]
    module_name, _, attribute = handler.rpartition(".")
    assert module_name.startswith("nashra."), handler
    assert (ROOT / "functions" / Path(*module_name.split("."))).with_suffix(".py").is_file()
    assert callable(getattr(importlib.import_module(module_name), attribute, None)), handler


def test_function_environment_is_what_the_code_reads(resources: dict[str, Any]) -> None:
    env = props(resources, "PublisherFunction", FUNCTION)["Environment"]["Variables"]
    settings = Settings.variables()  # name -> required
    # Every variable is read, and every setting without a default is set.
    assert set(env) - POWERTOOLS_ENV <= set(settings)
    assert {n for n, required in settings.items() if required} <= set(env)
    assert set(env) >= POWERTOOLS_ENV
    # Each one names the resource of its name.
    assert env["INBOX_BUCKET"] == {"Ref": "InboxBucket"}
    assert env["FEEDS_BUCKET"] == {"Ref": "FeedsBucket"}
    assert env["INDEX_TABLE"] == {"Ref": "IndexTable"}
    assert env["DISTRIBUTION_ID"] == {"Ref": "FeedsDistribution"}
    assert env["WORK_QUEUE"] == {"Ref": "WorkQueue"}
    assert env["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}


def _function_grants(
    resources: dict[str, Any],
) -> tuple[set[tuple[str, str]], list[dict[str, Any]]]:
    fn = props(resources, "PublisherFunction", FUNCTION)
    role = props(resources, fn["Role"]["Fn::GetAtt"][0], "AWS::IAM::Role")
    assert "ManagedPolicyArns" not in role, "managed policies grant on '*'"
    stmts = [s for p in role["Policies"] for s in statements(p["PolicyDocument"])]
    grants = {
        (action, label(res))
        for s in stmts
        for action in as_list(s["Action"])
        for res in as_list(s["Resource"])
    }
    return grants, stmts


def test_publisher_holds_exactly_its_grants(resources: dict[str, Any]) -> None:
    grants, stmts = _function_grants(resources)
    assert all(s["Effect"] == "Allow" for s in stmts)
    assert not any("NotAction" in s or "NotResource" in s for s in stmts)
    assert grants == PUBLISHER_GRANTS


def test_publisher_resources_are_this_stacks_own(resources: dict[str, Any]) -> None:
    grants, stmts = _function_grants(resources)
    assert {a for a, r in grants if r == "*"} == STAR_RESOURCE_ALLOWED
    for s in stmts:
        for res in as_list(s["Resource"]):
            if res == "*":
                continue
            assert isinstance(res, dict), f"literal resource {res!r} is not this stack's"
            names = {n for n in referenced_names(res) if not n.startswith("AWS::")}
            assert names, f"{res!r} names no resource"
            assert names <= set(resources), f"{res!r} names something outside the stack"
        assert not any(a.endswith("*") for a in as_list(s["Action"])), s["Action"]


def test_inbox_listing_keeps_missing_keys_404(resources: dict[str, Any]) -> None:
    _, stmts = _function_grants(resources)
    listing = next(s for s in stmts if s.get("Sid") == "ListInbox")
    prefixes = ["articles/*", "config/*", "reports/*"]
    assert listing["Condition"] == {"StringLikeIfExists": {"s3:prefix": prefixes}}


# --- index ---------------------------------------------------------------------------------


def test_index_table_is_on_demand_recoverable_and_encrypted(resources: dict[str, Any]) -> None:
    table = props(resources, "IndexTable", "AWS::DynamoDB::Table")
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    assert {(a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]} == {
        ("PK", "S"),
        ("SK", "S"),
    }
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"] == {"SSEEnabled": True}
    assert table["DeletionProtectionEnabled"] == {"Ref": "TableDeletionProtection"}
    # No GSI: their reads are eventually consistent (P-DDB-1).
    assert "GlobalSecondaryIndexes" not in table


# --- CDN -----------------------------------------------------------------------------------


def test_distribution_serves_the_feeds_bucket_through_oac(resources: dict[str, Any]) -> None:
    config = props(resources, "FeedsDistribution", "AWS::CloudFront::Distribution")[
        "DistributionConfig"
    ]
    (origin,) = config["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["FeedsBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["FeedsOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    oac = props(resources, "FeedsOriginAccessControl", "AWS::CloudFront::OriginAccessControl")
    assert oac["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    assert oac["OriginAccessControlConfig"]["SigningProtocol"] == "sigv4"
    assert config["HttpVersion"] == "http2and3"
    assert config["IPV6Enabled"] is True
    assert config["DefaultRootObject"] == "index.html"
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["TargetOriginId"] == origin["Id"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["CachePolicyId"] == {"Ref": "FeedsCachePolicy"}
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "FeedsResponseHeadersPolicy"}


def test_cache_policy_honours_origin_cache_control_p_cf_2(resources: dict[str, Any]) -> None:
    """Compression and the cache key: tests/infra/test_infra_edge.py (D10)."""
    config = props(resources, "FeedsCachePolicy", "AWS::CloudFront::CachePolicy")[
        "CachePolicyConfig"
    ]
    key = config["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
    low, default, high = config["MinTTL"], config["DefaultTTL"], config["MaxTTL"]
    assert low <= default <= high
    # CloudFront clamps an origin's s-maxage into [MinTTL, MaxTTL]: every file nashra
    # publishes (the golden tree) keeps the edge lifetime its Cache-Control asks for.
    published = [p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file()]
    assert any(p.startswith("breaking/") for p in published)
    for path in published:
        s_maxage = re.search(r"\bs-maxage=(\d+)", cache_control_for(path))
        assert s_maxage, path
        assert low <= int(s_maxage[1]) <= high, path


def test_cors_and_security_headers_at_the_edge_p_cf_5(resources: dict[str, Any]) -> None:
    config = props(
        resources, "FeedsResponseHeadersPolicy", "AWS::CloudFront::ResponseHeadersPolicy"
    )["ResponseHeadersPolicyConfig"]
    cors = config["CorsConfig"]
    assert cors["AccessControlAllowOrigins"]["Items"] == ["*"]
    assert sorted(cors["AccessControlAllowMethods"]["Items"]) == ["GET", "HEAD", "OPTIONS"]
    assert {"ETag", "Last-Modified", "Content-Type"} <= set(
        cors["AccessControlExposeHeaders"]["Items"]
    )
    assert cors["AccessControlAllowCredentials"] is False
    assert cors["OriginOverride"] is True
    security = config["SecurityHeadersConfig"]
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["ContentTypeOptions"]["Override"] is True
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert "ReferrerPolicy" in security["ReferrerPolicy"]


def test_custom_domain_is_all_or_nothing(cfn: Template) -> None:
    config = cfn["Resources"]["FeedsDistribution"]["Properties"]["DistributionConfig"]
    assert config["Aliases"]["Fn::If"][0] == "HasCustomDomain"
    cert = config["ViewerCertificate"]["Fn::If"]
    assert cert[0] == "HasCustomDomain"
    assert cert[1]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert cert[2] == {"CloudFrontDefaultCertificate": True}
    assert set(cfn["Rules"]) == {"DomainNeedsCertificate", "CertificateNeedsDomain"}


# --- alarms, parameters, outputs -----------------------------------------------------------


def _alarms(resources: dict[str, Any]) -> list[dict[str, Any]]:
    return [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]


def test_a_message_in_the_dlq_raises_an_alarm(resources: dict[str, Any]) -> None:
    dlq_alarms = [
        a
        for a in _alarms(resources)
        if a["MetricName"] == "ApproximateNumberOfMessagesVisible"
        and a["Dimensions"]
        == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["WorkDLQ", "QueueName"]}}]
    ]
    assert len(dlq_alarms) == 1
    alarm = dlq_alarms[0]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")


def test_a_function_error_raises_an_alarm(resources: dict[str, Any]) -> None:
    errors = [
        a
        for a in _alarms(resources)
        if a["Namespace"] == "AWS/Lambda" and a["MetricName"] == "Errors"
    ]
    assert len(errors) == 1
    assert errors[0]["Dimensions"] == [
        {"Name": "FunctionName", "Value": {"Ref": "PublisherFunction"}}
    ]
    assert (errors[0]["Threshold"], errors[0]["ComparisonOperator"]) == (
        1,
        "GreaterThanOrEqualToThreshold",
    )


def test_alarms_notify_the_optional_topic(resources: dict[str, Any]) -> None:
    alarms = _alarms(resources)
    assert len(alarms) >= 2
    for alarm in alarms:
        assert alarm["AlarmActions"] == {
            "Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]
        }


def test_parameters_are_described_and_constrained(cfn: Template) -> None:
    for name, parameter in cfn["Parameters"].items():
        assert parameter.get("Description"), name
        assert "AllowedValues" in parameter or "AllowedPattern" in parameter, name


@pytest.mark.parametrize(
    ("parameter", "good", "bad"),
    [
        (
            "DomainName",
            ["", "feeds.example.com"],
            ["Feeds.Example.com", "https://x.com", "localhost"],
        ),
        (
            "CertificateArn",
            [
                "",
                "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
            ],
            ["arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"],
        ),
        (
            "AlarmTopicArn",
            ["", "arn:aws:sns:eu-central-1:123456789012:nashra-alarms"],
            ["ops@x.com"],
        ),
    ],
)
def test_parameter_patterns(cfn: Template, parameter: str, good: list[str], bad: list[str]) -> None:
    pattern = cfn["Parameters"][parameter]["AllowedPattern"]
    assert all(re.fullmatch(pattern, v) for v in good)
    assert not any(re.fullmatch(pattern, v) for v in bad)


OUTPUTS = {
    "InboxBucketName",
    "FeedsBucketName",
    "WorkQueueUrl",
    "WorkQueueArn",
    "WorkDLQUrl",
    "IndexTableName",
    "PublisherFunctionName",
    "DistributionId",
    "DistributionDomainName",
    "FeedsBaseUrl",
    "AllFeedUrl",
}


def test_outputs_scripts_and_tests_read(cfn: Template) -> None:
    assert set(cfn["Outputs"]) >= OUTPUTS
    # The URL of a file the publisher writes: the `all` feed in RSS.
    all_feed = cfn["Outputs"]["AllFeedUrl"]["Value"]["Fn::If"]
    path = f"{ALL_FEED}/{RSS.filename}"
    assert all_feed[1] == {"Fn::Sub": f"https://${{DomainName}}/{path}"}
    assert all_feed[2] == {"Fn::Sub": f"https://${{FeedsDistribution.DomainName}}/{path}"}


def _readme_table_names(heading: str) -> set[str]:
    readme = (ROOT / "infra" / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE))


def test_readme_tables_list_every_parameter_and_output(cfn: Template) -> None:
    assert _readme_table_names("Parameters") == set(cfn["Parameters"])
    assert _readme_table_names("Outputs") == set(cfn["Outputs"])
