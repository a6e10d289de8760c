"""Several notifiers behind the one Notifier port (CDN invalidation, then WebSub)."""

from __future__ import annotations

from collections.abc import Sequence

from nashra.adapters.cloudfront import Notifiers


def test_notifiers_are_called_in_order() -> None:
    calls: list[tuple[str, Sequence[str], str | None]] = []

    class Recorder:
        def __init__(self, name: str) -> None:
            self.name = name

        def feeds_changed(self, urls: Sequence[str], hub: str | None) -> None:
            calls.append((self.name, urls, hub))

        def pages_rewritten(self, urls: Sequence[str]) -> None:
            calls.append((self.name, urls, "rewritten"))

    Notifiers(Recorder("websub"), Recorder("cdn")).feeds_changed(["u"], "https://hub")
    assert calls == [("websub", ["u"], "https://hub"), ("cdn", ["u"], "https://hub")]
    calls.clear()
    Notifiers(Recorder("cdn"), Recorder("websub")).pages_rewritten(["p"])
    assert calls == [("cdn", ["p"], "rewritten"), ("websub", ["p"], "rewritten")]
