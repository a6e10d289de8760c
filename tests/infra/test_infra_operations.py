"""What operators see and do: the events that reach the publisher, the alarms, the dashboard,
and the runbook of infra/README.md that the alarm texts point to.

Each test names the property it protects; the template is read after the SAM transform.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from cfn_template import ROOT, Template
from moto.events.models import EventPattern

pytestmark = pytest.mark.infra

EVENTS = ROOT / "tests" / "integration" / "events"
HANDLERS = ROOT / "functions" / "nashra" / "handlers"
README = ROOT / "infra" / "README.md"
DASHBOARD = "OperationsDashboard"

# What the dashboard must show (issue 9: "Operators can see it"), by namespace.
DASHBOARD_CUSTOM_METRICS = {
    "ArticlesPublished",
    "ArticlesRejected",
    "ArticlesUnchanged",
    "ArticlesDeleted",
    "KeysHealed",
    "SweepChunks",
    "FeedsFailed",
}
DASHBOARD_AWS_METRICS = {
    ("AWS/SQS", "ApproximateAgeOfOldestMessage", "WorkQueue"),
    ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "WorkDLQ"),
    ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "DeliveryDLQ"),
    ("AWS/Lambda", "Errors", "PublisherFunction"),
    ("AWS/Lambda", "Duration", "PublisherFunction"),
}
# The AWS metrics a dashboard of this stack may show, with the resource type they describe.
AWS_METRIC_DIMENSIONS = {
    "AWS/SQS": ("QueueName", "AWS::SQS::Queue"),
    "AWS/Lambda": ("FunctionName", "AWS::Lambda::Function"),
}
DASHBOARD_COLUMNS = 24  # CloudWatch's dashboard grid
ONE_SCREEN_ROWS = 15  # grid rows a 1080p browser window shows without scrolling


def _props(resources: dict[str, Any], name: str, kind: str) -> dict[str, Any]:
    resource = resources[name]
    assert resource["Type"] == kind, f"{name} is {resource['Type']}, expected {kind}"
    found: dict[str, Any] = resource["Properties"]
    return found


def _env(resources: dict[str, Any]) -> dict[str, Any]:
    fn = _props(resources, "PublisherFunction", "AWS::Lambda::Function")
    env: dict[str, Any] = fn["Environment"]["Variables"]
    return env


# --- events that reach the publisher -------------------------------------------------------


def _s3_event(detail_type: str, reason: str, deletion_type: str | None = None) -> Any:
    """A sample EventBridge S3 event (tests/integration/events) with its reason replaced."""
    name = "created" if detail_type == "Object Created" else "deleted"
    path = EVENTS / f"eventbridge_object_{name}.json"
    event: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    event["detail"]["reason"] = reason
    if deletion_type is not None:
        event["detail"]["deletion-type"] = deletion_type
    return event


def _rule_pattern(resources: dict[str, Any], bucket: str) -> EventPattern:
    """The rule's pattern as EventBridge would hold it: the inbox name resolved."""
    pattern = copy.deepcopy(_props(resources, "InboxEventsRule", "AWS::Events::Rule"))
    pattern = pattern["EventPattern"]
    assert pattern["detail"]["bucket"]["name"] == [{"Ref": "InboxBucket"}]
    pattern["detail"]["bucket"]["name"] = [bucket]
    return EventPattern.load(json.dumps(pattern))


ARRIVING = [
    ("Object Created", "PutObject", None),
    ("Object Created", "POST Object", None),
    ("Object Created", "CopyObject", None),
    ("Object Created", "CompleteMultipartUpload", None),
    ("Object Deleted", "DeleteObject", "Delete Marker Created"),
    ("Object Deleted", "DeleteObject", "Permanently Deleted"),
]
IGNORED = [
    # A noncurrent version expiring (the inbox's ExpireOldVersions rule).
    ("Object Deleted", "Lifecycle Expiration", "Permanently Deleted"),
    ("Object Deleted", "Lifecycle Expiration", "Delete Marker Created"),
]


@pytest.mark.parametrize(("detail_type", "reason", "deletion_type"), ARRIVING)
def test_uploads_and_deletes_reach_the_queue(
    resources: dict[str, Any], detail_type: str, reason: str, deletion_type: str | None
) -> None:
    event = _s3_event(detail_type, reason, deletion_type)
    pattern = _rule_pattern(resources, event["detail"]["bucket"]["name"])
    assert pattern.matches_event(event)


@pytest.mark.parametrize(("detail_type", "reason", "deletion_type"), IGNORED)
def test_lifecycle_expirations_do_not_invoke_the_publisher(
    resources: dict[str, Any], detail_type: str, reason: str, deletion_type: str | None
) -> None:
    event = _s3_event(detail_type, reason, deletion_type)
    pattern = _rule_pattern(resources, event["detail"]["bucket"]["name"])
    assert not pattern.matches_event(event)
    # The same event with the reason of an editor's delete does arrive: only the reason
    # keeps it out.
    event["detail"]["reason"] = "DeleteObject"
    assert pattern.matches_event(event)


def test_inbox_lifecycle_rules_expire_no_current_object(resources: dict[str, Any]) -> None:
    """Ignoring lifecycle expirations is safe only while no rule expires a current version
    (that would unpublish an article with no event; the sweep would still catch it)."""
    rules = _props(resources, "InboxBucket", "AWS::S3::Bucket")["LifecycleConfiguration"]
    for rule in rules["Rules"]:
        assert not {"ExpirationInDays", "ExpirationDate", "Expiration"} & set(rule), rule["Id"]


# --- roles: nothing empties a queue --------------------------------------------------------


def test_no_role_may_purge_a_queue(resources: dict[str, Any]) -> None:
    roles = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::IAM::Role"]
    assert roles
    for role in roles:
        for policy in role.get("Policies", []):
            statements = policy["PolicyDocument"]["Statement"]
            for statement in statements if isinstance(statements, list) else [statements]:
                actions = statement["Action"]
                for action in actions if isinstance(actions, list) else [actions]:
                    assert action.lower() not in {"sqs:purgequeue", "sqs:*", "*"}, action


# --- alarms --------------------------------------------------------------------------------


def _alarms(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        n: r["Properties"] for n, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"
    }


def test_healing_anything_raises_an_alarm(resources: dict[str, Any]) -> None:
    env = _env(resources)
    (alarm,) = [a for a in _alarms(resources).values() if a["MetricName"] == "KeysHealed"]
    # The metric as the handler publishes it: its namespace and Powertools' service dimension.
    assert alarm["Namespace"] == env["POWERTOOLS_METRICS_NAMESPACE"]
    assert alarm["Dimensions"] == [{"Name": "service", "Value": env["POWERTOOLS_SERVICE_NAME"]}]
    assert (alarm["Statistic"], alarm["Period"], alarm["EvaluationPeriods"]) == ("Sum", 3600, 1)
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    # An hour without a heal publishes no KeysHealed at all: that is the healthy state.
    assert alarm["TreatMissingData"] == "notBreaching"


def test_powertools_publishes_the_metric_the_alarm_watches(
    resources: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the function's environment, Powertools files KeysHealed under exactly the
    namespace and dimensions the alarm names (any other dimension would be another metric)."""
    env = _env(resources)
    (alarm,) = [a for a in _alarms(resources).values() if a["MetricName"] == "KeysHealed"]
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", env["POWERTOOLS_SERVICE_NAME"])
    metrics = Metrics(namespace=env["POWERTOOLS_METRICS_NAMESPACE"])
    try:
        metrics.add_metric(name="KeysHealed", unit=MetricUnit.Count, value=3)
        emf = metrics.serialize_metric_set()
    finally:
        metrics.clear_metrics()
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == alarm["Namespace"]
    assert [m["Name"] for m in directive["Metrics"]] == ["KeysHealed"]
    (dimensions,) = directive["Dimensions"]
    assert [{"Name": d, "Value": emf[d]} for d in dimensions] == alarm["Dimensions"]


@pytest.mark.parametrize("dlq", ["WorkDLQ", "DeliveryDLQ"])
def test_dlq_alarms_say_redrive_never_purge(resources: dict[str, Any], dlq: str) -> None:
    (text,) = [
        a["AlarmDescription"]
        for a in _alarms(resources).values()
        if a["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq, "QueueName"]}}]
    ]
    assert "NEVER purge" in text
    assert "hourly sweep heals" in text
    assert "infra/README.md" in text
    assert "rebuild" not in text.lower()
    if dlq == "WorkDLQ":
        # An SQS DLQ of an SQS queue: SQS's own redrive applies.
        assert "StartMessageMoveTask" in text and "Start DLQ redrive" in text
    else:
        # An EventBridge DLQ: SQS's redrive does not apply, and the text says so.
        assert "StartMessageMoveTask does not apply" in text


def test_alarm_texts_fit_cloudwatch(resources: dict[str, Any]) -> None:
    for name, alarm in _alarms(resources).items():
        assert 0 < len(alarm["AlarmDescription"]) <= 1024, name


# --- dashboard -----------------------------------------------------------------------------

_SUB = re.compile(r"\$\{([A-Za-z0-9:]+)(?:\.([A-Za-z0-9.]+))?\}")


def _placeholder(match: re.Match[str]) -> str:
    name, attribute = match[1], match[2]
    return f"@{name}.{attribute}@" if attribute else f"@{name}@"


def dashboard_body(resources: dict[str, Any]) -> dict[str, Any]:
    """The body after !Sub, each reference replaced by a visible `@Name.Attribute@`."""
    body = _props(resources, DASHBOARD, "AWS::CloudWatch::Dashboard")["DashboardBody"]
    parsed: dict[str, Any] = json.loads(_SUB.sub(_placeholder, body["Fn::Sub"]))
    return parsed


def _metric_rows(body: dict[str, Any]) -> list[list[Any]]:
    return [
        row
        for widget in body["widgets"]
        if widget["type"] == "metric"
        for row in widget["properties"]["metrics"]
    ]


def handler_string_constants() -> set[str]:
    """Every string literal of nashra.handlers: the names its metrics can have."""
    found: set[str] = set()
    for path in HANDLERS.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found |= {
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        }
    return found


def test_dashboard_body_resolves_to_json(resources: dict[str, Any]) -> None:
    body = dashboard_body(resources)
    placeholders = set(re.findall(r"@([^@\"]+)@", json.dumps(body)))
    for placeholder in placeholders - {"AWS::Region"}:
        assert placeholder.split(".")[0] in resources, placeholder
    for widget in body["widgets"]:
        if widget["type"] == "metric":
            assert widget["properties"]["region"] == "@AWS::Region@"


def test_dashboard_shows_only_metrics_that_exist(resources: dict[str, Any]) -> None:
    env = _env(resources)
    emitted = handler_string_constants()
    for row in _metric_rows(dashboard_body(resources)):
        names = [v for v in row if not isinstance(v, dict)]
        if not names:  # a metric-math expression over the rows below
            continue
        namespace, metric, *dimensions = names
        assert "." not in names, "write each metric in full, no '.' shorthand"
        if namespace == env["POWERTOOLS_METRICS_NAMESPACE"]:
            assert metric in emitted, f"the handler emits no {metric}"
            assert dimensions == ["service", env["POWERTOOLS_SERVICE_NAME"]], metric
            continue
        dimension, kind = AWS_METRIC_DIMENSIONS[namespace]
        assert dimensions[0] == dimension, row
        resource = re.fullmatch(r"@(\w+)(?:\.QueueName)?@", dimensions[1])
        assert resource, row
        assert resources[resource[1]]["Type"] == kind, row


def test_dashboard_shows_what_operators_need(resources: dict[str, Any]) -> None:
    rows = _metric_rows(dashboard_body(resources))
    shown_custom = {row[1] for row in rows if row and row[0] == "Nashra"}
    assert shown_custom >= DASHBOARD_CUSTOM_METRICS
    shown_aws = {
        (row[0], row[1], re.sub(r"@(\w+).*@", r"\1", row[3]))
        for row in rows
        if row and isinstance(row[0], str) and row[0].startswith("AWS/")
    }
    assert shown_aws >= DASHBOARD_AWS_METRICS
    # Uploads = every reconciled key: the four outcomes, summed by metric math.
    (uploads,) = [row[0] for row in rows if isinstance(row[0], dict) and row[0]["id"] == "uploads"]
    ids = set(re.findall(r"FILL\((\w+), 0\)", uploads["expression"]))
    named = {row[-1]["id"]: row[1] for row in rows if isinstance(row[0], str)}
    assert {named[i] for i in ids} == {
        "ArticlesPublished",
        "ArticlesRejected",
        "ArticlesUnchanged",
        "ArticlesDeleted",
    }


def test_dashboard_fits_one_screen_without_overlaps(resources: dict[str, Any]) -> None:
    cells: set[tuple[int, int]] = set()
    for widget in dashboard_body(resources)["widgets"]:
        x, y, width, height = (widget[k] for k in ("x", "y", "width", "height"))
        assert x + width <= DASHBOARD_COLUMNS, widget["properties"]["title"]
        assert y + height <= ONE_SCREEN_ROWS, widget["properties"]["title"]
        area = {(x + i, y + j) for i in range(width) for j in range(height)}
        assert not area & cells, widget["properties"]["title"]
        cells |= area


def test_dashboard_lines_match_the_alarms_and_the_timeout(resources: dict[str, Any]) -> None:
    """Its threshold lines are the alarms' thresholds and the function's timeout."""
    alarms = _alarms(resources)
    timeout_ms = _props(resources, "PublisherFunction", "AWS::Lambda::Function")["Timeout"] * 1000
    expected = {
        "KeysHealedAlarm": alarms["KeysHealedAlarm"]["Threshold"],
        "WorkQueueStalledAlarm": alarms["WorkQueueStalledAlarm"]["Threshold"],
        "timeout": timeout_ms,
    }
    lines = {
        line["label"]: line["value"]
        for widget in dashboard_body(resources)["widgets"]
        for line in widget["properties"].get("annotations", {}).get("horizontal", [])
    }
    assert lines == expected


def test_dashboard_lists_every_alarm(resources: dict[str, Any]) -> None:
    (widget,) = [w for w in dashboard_body(resources)["widgets"] if w["type"] == "alarm"]
    shown = {re.fullmatch(r"@(\w+)\.Arn@", a)[1] for a in widget["properties"]["alarms"]}  # type: ignore[index]
    assert shown == set(_alarms(resources))


# --- the runbook ---------------------------------------------------------------------------


def _readme_section(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    return text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_runbook_covers_every_alarm(cfn: Template) -> None:
    runbook = _readme_section("Runbook")
    alarms = {n for n, r in cfn["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert set(re.findall(r"^### `(\w+)`", runbook, re.MULTILINE)) == alarms
    assert "never purge" in runbook.lower()
    assert "start-message-move-task" in runbook
    assert "sqs:PurgeQueue" in runbook


def test_readme_never_says_rebuild_all_heals() -> None:
    text = README.read_text(encoding="utf-8")
    for sentence in re.split(r"(?<=[.:;])\s", text):
        if "rebuild" in sentence.lower():
            assert not re.search(r"\b(heal|lost|missed|purge)", sentence, re.IGNORECASE), sentence
    assert "purge-queue" not in text


def test_readme_explains_the_dashboard() -> None:
    section = _readme_section("Dashboard")
    for metric in DASHBOARD_CUSTOM_METRICS:
        assert metric in section, metric


def test_the_metric_scan_reads_the_functions_handler(resources: dict[str, Any]) -> None:
    """handler_string_constants reads the package the function's Handler lives in."""
    handler = _props(resources, "PublisherFunction", "AWS::Lambda::Function")["Handler"]
    module = handler.rpartition(".")[0]
    assert (ROOT / "functions" / Path(*module.split("."))).with_suffix(".py").parent == HANDLERS
