"""The progress bar of `nashra import`: redrawn in place on a terminal, at most ten times
a second; one line per tenth of the work anywhere else."""

from __future__ import annotations

import io

import pytest

from nashra.editor.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_the_bar_is_redrawn_at_most_ten_times_a_second() -> None:
    out, clock = Terminal(), Clock()
    bar = Progress(1000, "importing", stream=out, clock=clock)
    for _ in range(500):  # all within the same instant: drawn once
        bar.advance()
    assert out.getvalue().count("\r") == 1
    clock.now = 0.5
    bar.advance()
    assert out.getvalue().count("\r") == 2
    assert out.getvalue().rsplit("\r", 1)[-1].startswith("importing [" + "#" * 15 + "-" * 15)
    assert "501/1000 1,002/s eta 0 s" in out.getvalue()
    clock.now = 0.55
    for _ in range(499):  # the last unit is always drawn
        bar.advance()
    assert out.getvalue().rsplit("\r", 1)[-1].startswith("importing [" + "#" * 30 + "]")
    bar.close()
    assert out.getvalue().endswith("\n")


def test_a_line_said_on_a_terminal_clears_the_bar_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, clock = Terminal(), Clock()
    bar = Progress(10, "importing", stream=out, clock=clock)
    bar.advance()
    bar.say("articles/x.json: not uploaded")
    assert capsys.readouterr().out == "articles/x.json: not uploaded\n"
    assert "\r\x1b[K" in out.getvalue()
    assert out.getvalue().endswith("eta 0 s\x1b[K")  # drawn again below the line


def test_elsewhere_one_line_per_tenth() -> None:
    out = io.StringIO()
    bar = Progress(25, "importing", stream=out)
    for _ in range(25):
        bar.advance()
    bar.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 10 and "\r" not in out.getvalue()
    assert lines[0] == "importing: 3/25 (10%)" and lines[-1] == "importing: 25/25 (100%)"
