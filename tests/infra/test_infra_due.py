"""DueSchedule, the per-minute tick of scheduled publishing (D13, B-20), as deployed.

The tick must reach the publisher's one FIFO group every minute, and SQS must not drop it:
the work queue has content-based deduplication, so two identical bodies within five
minutes are one message (P-FIFO-4), even once the first was deleted. moto does not model
that window, so the tests below send the Scheduler's bodies through the SQS FIFO fake
(tests/fakes/sqs_fifo.py), which follows the SQS Developer Guide; the Scheduler's own
substitution of `<aws.scheduler.scheduled-time>` is written out as its user guide
documents it ("Adding context attributes": the time the schedule was set to invoke, e.g.
2022-03-22T18:59:43Z).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cfn_template import Template

from fakes.sqs_fifo import Clock, FakeSqsFifo
from nashra.work import MESSAGE_GROUP, Due, decode

pytestmark = pytest.mark.infra

SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def schedule(resources: dict[str, Any], name: str) -> dict[str, Any]:
    resource = resources[name]
    assert resource["Type"] == "AWS::Scheduler::Schedule"
    found: dict[str, Any] = resource["Properties"]
    return found


def delivered(target: dict[str, Any], at: datetime) -> str:
    """The body Scheduler sends for the tick scheduled at `at` (its context attribute
    replaced by the time, to the second, in UTC with a Z)."""
    body: str = target["Input"]
    return body.replace(SCHEDULED_TIME, at.strftime("%Y-%m-%dT%H:%M:%SZ"))


def fifo_queue(clock: Clock) -> tuple[FakeSqsFifo, str]:
    sqs = FakeSqsFifo(clock)
    attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    url = sqs.create_queue(QueueName="work.fifo", Attributes=attributes)["QueueUrl"]
    return sqs, url


def drain(sqs: FakeSqsFifo, url: str) -> list[str]:
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def test_the_due_tick_reaches_the_publisher_group_every_minute_at_second_0(
    resources: dict[str, Any],
) -> None:
    due = schedule(resources, "DueSchedule")
    rule_target = resources["InboxEventsRule"]["Properties"]["Targets"][0]
    target = due["Target"]
    assert due["State"] == "ENABLED"
    assert due["FlexibleTimeWindow"] == {"Mode": "OFF"}  # on time, not within a window
    # Every minute at second 0: a story set to the minute appears within seconds of it.
    assert due["ScheduleExpression"] == "cron(* * * * ? *)"
    assert target["Arn"] == rule_target["Arn"]
    assert target["SqsParameters"] == {"MessageGroupId": MESSAGE_GROUP}
    assert target["RoleArn"] == schedule(resources, "SweepSchedule")["Target"]["RoleArn"]
    # A tick later than its minute is worth nothing: the next one does the same work.
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 60
    assert target["DeadLetterConfig"] == rule_target["DeadLetterConfig"]
    assert decode(delivered(target, START), "inbox") == Due("2026-12-01T06:00:00Z")


def test_every_tick_is_delivered_though_they_come_a_minute_apart(
    resources: dict[str, Any],
) -> None:
    """Six ticks a minute apart through a content-deduplicated FIFO queue: six messages,
    because each body names its own scheduled time. A constant body (`{"action":"due"}`)
    loses every tick but the first of each five minutes: shown with the same fake."""
    target = schedule(resources, "DueSchedule")["Target"]
    assert SCHEDULED_TIME in target["Input"]
    clock = Clock()
    sqs, url = fifo_queue(clock)
    constant, constant_url = fifo_queue(clock)
    got, lost = [], []
    for minute in range(6):
        at = START + timedelta(minutes=minute)
        sqs.send_message(QueueUrl=url, MessageBody=delivered(target, at), MessageGroupId="feeds")
        constant.send_message(
            QueueUrl=constant_url, MessageBody='{"action":"due"}', MessageGroupId="feeds"
        )
        got += drain(sqs, url)  # the publisher takes each tick within its minute
        lost += drain(constant, constant_url)
        clock.advance(60)
    assert [decode(body, "inbox") for body in got] == [
        Due(f"2026-12-01T06:0{minute}:00Z") for minute in range(6)
    ]
    assert len(lost) == 2  # minutes 0 and 5: the rest fell in the five-minute window


def test_the_schedulers_retries_of_one_tick_fold_into_one_message(
    resources: dict[str, Any],
) -> None:
    """Scheduler retries a tick it could not confirm with the same scheduled time: the
    same body, which the queue keeps once."""
    target = schedule(resources, "DueSchedule")["Target"]
    clock = Clock()
    sqs, url = fifo_queue(clock)
    for _ in range(1 + target["RetryPolicy"]["MaximumRetryAttempts"]):
        sqs.send_message(QueueUrl=url, MessageBody=delivered(target, START), MessageGroupId="feeds")
        clock.advance(10)
    assert len(drain(sqs, url)) == 1


def test_the_publisher_needs_no_new_permission_for_scheduling(sam_template: Template) -> None:
    """The schedule is an index partition the publisher already reads and writes (D13): no
    Scheduler API, no PassRole."""
    text = str(sam_template)
    assert "scheduler:CreateSchedule" not in text
    assert "iam:PassRole" not in text
