"""What `nashra dev` creates, read from template.yaml so the local stack cannot drift.

The template is the source of truth: bucket names, the EventBridge rule's pattern and its
SQS FIFO target, the queue and DLQ attributes and the table's keys are taken from it and
its intrinsic functions (`!Ref`, `!GetAtt`, `!Sub`) are resolved the way CloudFormation
would, with a fixed stack name, account and region. Anything the local stack cannot
resolve (a CloudFront domain) is left out rather than guessed.

>>> # plan = plan_from_template(load_template(Path("template.yaml")), region="us-east-1")
>>> # plan.queues["WorkQueue"].attributes["FifoQueue"]
>>> # 'true'
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

STACK_NAME = "nashra-dev"
ACCOUNT_ID = "123456789012"  # moto's default account
# CloudFormation properties of AWS::SQS::Queue that are not SetQueueAttributes names.
QUEUE_SKIPPED = frozenset({"QueueName", "Tags", "RedriveAllowPolicy"})
TABLE_KEYS = ("KeySchema", "AttributeDefinitions", "BillingMode", "GlobalSecondaryIndexes")
SHORT_TAGS = (
    "Ref",
    "Condition",
    "GetAtt",
    "Sub",
    "Join",
    "Select",
    "Split",
    "If",
    "Equals",
    "And",
    "Or",
    "Not",
    "FindInMap",
    "ImportValue",
    "GetAZs",
    "Base64",
    "Cidr",
    "Transform",
)


class UnresolvedError(ValueError):
    """An intrinsic function the local stack cannot evaluate (e.g. a CloudFront attribute)."""


class _TemplateLoader(yaml.SafeLoader):
    """A safe YAML loader that reads CloudFormation's short-form tags (`!Ref X`)."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(
            None, None, f"unexpected !{suffix}", node.start_mark
        )
    return {name: value}


def _constructor(tag: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return _construct_tag(loader, tag, node)

    return construct


for _tag in SHORT_TAGS:
    _TemplateLoader.add_constructor(f"!{_tag}", _constructor(_tag))


def default_template() -> Path:
    """template.yaml at the repository root (editable install), else in the cwd."""
    here = Path(__file__).resolve().parents[3] / "template.yaml"
    return here if here.is_file() else Path("template.yaml")


def create_index_table(client: Any, name: str, template: Path | None = None) -> None:
    """The index table as template.yaml declares it (keys, billing, encryption), named
    `name`: for tests and benchmarks that need more tables than the stack's one."""
    plan = plan_from_template(load_template(template or default_template()), region="us-east-1")
    client.create_table(TableName=name, **plan.tables["IndexTable"].properties)


def load_template(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM template, short-form tags included."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_TemplateLoader)
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise ValueError(f"{path}: not a CloudFormation template (no Resources)")
    return data


@dataclass(frozen=True)
class QueuePlan:
    logical_id: str
    name: str
    attributes: dict[str, str]


@dataclass(frozen=True)
class RulePlan:
    logical_id: str
    name: str
    event_pattern: dict[str, Any]
    targets: list[dict[str, Any]]


@dataclass(frozen=True)
class TablePlan:
    logical_id: str
    name: str
    properties: dict[str, Any]


@dataclass
class StackPlan:
    """Every resource `nashra dev` creates, with names and attributes resolved."""

    region: str
    buckets: dict[str, str] = field(default_factory=dict)  # logical id -> bucket name
    versioned: set[str] = field(default_factory=set)
    queues: dict[str, QueuePlan] = field(default_factory=dict)
    rules: dict[str, RulePlan] = field(default_factory=dict)
    tables: dict[str, TablePlan] = field(default_factory=dict)
    function_env: dict[str, str] = field(default_factory=dict)

    def queue_for_rule(self, rule: RulePlan) -> QueuePlan:
        """The queue the rule delivers to (the work queue)."""
        arns = {t["Arn"] for t in rule.targets}
        for queue in self.queues.values():
            if self.queue_arn(queue) in arns:
                return queue
        raise LookupError(f"rule {rule.logical_id} targets no queue of the template")

    def queue_arn(self, queue: QueuePlan) -> str:
        return f"arn:aws:sqs:{self.region}:{ACCOUNT_ID}:{queue.name}"


def _kebab(logical_id: str) -> str:
    """`WorkDLQ` -> `work-dlq`, `InboxBucket` -> `inbox-bucket`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", logical_id).lower()


class _Resolver:
    """Evaluates the intrinsic functions the local stack needs, against dev names."""

    def __init__(self, template: Mapping[str, Any], region: str) -> None:
        self.resources: Mapping[str, Any] = template["Resources"]
        self.parameters: Mapping[str, Any] = template.get("Parameters") or {}
        self.region = region
        self.names: dict[str, str] = {}
        self.pseudo = {
            "AWS::StackName": STACK_NAME,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Region": region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": "",
        }

    def physical_name(self, logical_id: str) -> str:
        if logical_id not in self.names:
            self.names[logical_id] = self._name(logical_id)
        return self.names[logical_id]

    def _name(self, logical_id: str) -> str:
        resource = self.resources.get(logical_id)
        if resource is None:
            raise UnresolvedError(f"unknown resource {logical_id}")
        kind, props = resource.get("Type"), resource.get("Properties") or {}
        explicit = {
            "AWS::S3::Bucket": "BucketName",
            "AWS::SQS::Queue": "QueueName",
            "AWS::DynamoDB::Table": "TableName",
            "AWS::Events::Rule": "Name",
        }.get(kind)
        if explicit is None:
            raise UnresolvedError(f"{logical_id} ({kind}) has no local stand-in")
        if explicit in props:
            return str(self.resolve(props[explicit]))
        name = f"{STACK_NAME}-{_kebab(logical_id)}"
        if kind == "AWS::SQS::Queue" and self.resolve(props.get("FifoQueue", False)) in (
            True,
            "true",
        ):
            name += ".fifo"
        return name

    def ref(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            default = self.parameters[name].get("Default")
            if default is None:
                raise UnresolvedError(f"parameter {name} has no default")
            return str(default)
        return self.physical_name(name)

    def get_att(self, logical_id: str, attribute: str) -> str:
        kind = (self.resources.get(logical_id) or {}).get("Type")
        name = self.physical_name(logical_id)
        arns = {
            "AWS::SQS::Queue": f"arn:aws:sqs:{self.region}:{ACCOUNT_ID}:{name}",
            "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{self.region}:{ACCOUNT_ID}:table/{name}",
        }
        if attribute == "Arn" and kind in arns:
            return arns[kind]
        if attribute in ("QueueName",) and kind == "AWS::SQS::Queue":
            return name
        raise UnresolvedError(f"!GetAtt {logical_id}.{attribute}")

    def sub(self, value: Any) -> str:
        text, variables = (value, {}) if isinstance(value, str) else (value[0], value[1])

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                return self.get_att(*name.split(".", 1))
            return self.ref(name)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

    def resolve(self, value: Any) -> Any:
        """The value with every intrinsic function evaluated (UnresolvedError if it can't)."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" or key.startswith("Fn::"):
                return self._intrinsic(key, arg)
        return {k: self.resolve(v) for k, v in value.items()}

    def _intrinsic(self, key: str, arg: Any) -> Any:
        if key == "Ref":
            return self.ref(arg)
        if key == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else arg
            return self.get_att(parts[0], parts[1])
        if key == "Fn::Sub":
            return self.sub(arg)
        if key == "Fn::Join":
            return str(arg[0]).join(str(v) for v in self.resolve(arg[1]))
        raise UnresolvedError(f"{key} is not evaluated by nashra dev")


def _as_attribute(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def queue_attributes(properties: Mapping[str, Any]) -> dict[str, str]:
    """SQS SetQueueAttributes names and string values from resolved CFN properties."""
    return {k: _as_attribute(v) for k, v in properties.items() if k not in QUEUE_SKIPPED}


def plan_from_template(template: Mapping[str, Any], *, region: str) -> StackPlan:
    """Resolve the template's buckets, queues, event rules, tables and function env."""
    resolver = _Resolver(template, region)
    plan = StackPlan(region=region)
    for logical_id, resource in template["Resources"].items():
        kind = resource.get("Type")
        props = resource.get("Properties") or {}
        if kind == "AWS::S3::Bucket":
            plan.buckets[logical_id] = resolver.physical_name(logical_id)
            status = (props.get("VersioningConfiguration") or {}).get("Status")
            if status == "Enabled":
                plan.versioned.add(logical_id)
        elif kind == "AWS::SQS::Queue":
            attributes = queue_attributes(resolver.resolve(props))
            plan.queues[logical_id] = QueuePlan(
                logical_id, resolver.physical_name(logical_id), attributes
            )
        elif kind == "AWS::Events::Rule" and "EventPattern" in props:
            plan.rules[logical_id] = _rule(resolver, logical_id, props)
        elif kind == "AWS::DynamoDB::Table":
            wanted = {k: resolver.resolve(props[k]) for k in TABLE_KEYS if k in props}
            plan.tables[logical_id] = TablePlan(
                logical_id, resolver.physical_name(logical_id), wanted
            )
    plan.function_env = _function_env(template, resolver)
    return plan


def _rule(resolver: _Resolver, logical_id: str, props: Mapping[str, Any]) -> RulePlan:
    targets = []
    for target in props.get("Targets") or []:
        try:
            resolved = resolver.resolve(target)
        except UnresolvedError:
            continue  # a Lambda or CloudFront target has no local stand-in
        if str(resolved.get("Arn", "")).startswith("arn:aws:sqs:"):
            targets.append(resolved)
    name = str(resolver.resolve(props["Name"])) if "Name" in props else _kebab(logical_id)
    pattern = resolver.resolve(props["EventPattern"])
    if isinstance(pattern, str):
        pattern = json.loads(pattern)
    return RulePlan(logical_id, name, pattern, targets)


def _function_env(template: Mapping[str, Any], resolver: _Resolver) -> dict[str, str]:
    """Globals + every function's Environment.Variables that resolve locally."""
    sources = [((template.get("Globals") or {}).get("Function") or {}).get("Environment")]
    for resource in template["Resources"].values():
        if resource.get("Type") in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            sources.append((resource.get("Properties") or {}).get("Environment"))
    env: dict[str, str] = {}
    for source in sources:
        for name, value in ((source or {}).get("Variables") or {}).items():
            try:
                env[name] = _as_attribute(resolver.resolve(value))
            except UnresolvedError:
                continue
    return env
