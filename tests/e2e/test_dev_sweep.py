"""`nashra sweep` against the local stack: an object whose event never arrived is published
by the sweep the command queues, and the console says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from nashra.cli import main

from .articles import article_json
from .conftest import copy_content, http, start_stack, wait_for

pytestmark = pytest.mark.e2e


class Lines(list[str]):
    def __call__(self, line: str) -> None:
        self.append(line)


def test_nashra_sweep_heals_an_upload_whose_event_was_lost(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = Lines()
    stack = start_stack(copy_content(tmp_path / "content", articles=1), say=lines)
    try:
        stack.upload_content()
        assert stack.wait_drained(30)
        # The event is lost: the rule has no target while the article is uploaded.
        events = stack.client("events")
        [rule] = stack.plan.rules.values()
        events.remove_targets(Rule=rule.name, Ids=[t["Id"] for t in rule.targets])
        stack.upload("articles/lost-event.json", article_json("lost-event"))
        events.put_targets(Rule=rule.name, Targets=rule.targets)
        assert stack.wait_drained(10)
        assert b"lost-event" not in http(f"{stack.cdn_url}/all/rss.xml").body
        queue = stack.plan.queues["WorkQueue"].name
        assert main(["sweep", "--queue", queue, "--endpoint", stack.endpoint]) == 0
        assert "sweep" in capsys.readouterr().out
        all_feed = f"{stack.cdn_url}/all/rss.xml"
        wait_for(lambda: b"lost-event" in http(all_feed).body, what="the healed article")
        # The console line comes once the batch is done, after the feeds are written.
        wait_for(
            lambda: any(x.startswith("published articles/lost-event.json") for x in lines),
            what="the console line of the healed article",
        )
    finally:
        stack.stop()
