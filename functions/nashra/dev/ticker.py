"""`nashra dev`'s stand-in for template.yaml's DueSchedule: a `due` tick into the work queue
once a scheduled article's time has passed (D13).

In AWS the Scheduler sends a tick every minute whatever is scheduled. Locally the index is
asked every `interval` seconds what is due (one Query of moto's `SCHEDULED` partition,
which reads the due items only) and a tick is sent only when something is: a scheduled
story appears about a second after its time, and the console stays quiet the rest of
the time. While the tick for the earliest due entry is in flight it is not sent again,
unless `resend` seconds pass (a tick that failed, or was lost); the publisher's sweep
would heal a lost one in AWS, the next tick does so here.

    ticker = DueTicker(DynamoIndex(dynamodb, table), SqsRequeue(sqs, queue_url))
    ticker.start()  # ... ticker.stop()
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from nashra.ports import Requeue, Scheduled
from nashra.work import Due

log = logging.getLogger(__name__)

INTERVAL = 1.0  # seconds between two looks at the schedule
RESEND = timedelta(seconds=10)  # a tick still not handled by then is sent again


class Schedule(Protocol):
    """The part of the index the ticker reads (`Index.due`)."""

    def due(self, upto: datetime) -> list[Scheduled]: ...


class DueTicker:
    """Sends `Due` when the schedule has an entry due; `tick()` is one look."""

    def __init__(
        self,
        schedule: Schedule,
        requeue: Requeue,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        interval: float = INTERVAL,
        resend: timedelta = RESEND,
    ) -> None:
        self.schedule, self.requeue, self.clock = schedule, requeue, clock
        self.interval, self.resend = interval, resend
        self.sent: list[Due] = []
        self._last: tuple[Scheduled, datetime] | None = None  # the entry ticked for, when
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> Due | None:
        """Look at the schedule once; the tick sent, if one was."""
        now = self.clock()
        due = self.schedule.due(now)
        if not due:
            self._last = None
            return None
        first = due[0]
        if self._last is not None and self._last[0] == first and now - self._last[1] < self.resend:
            return None  # its tick is in flight
        # The time to the microsecond: no two ticks share a body (P-FIFO-4).
        at = now.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        message = Due(at)
        self.requeue.send([message])
        self._last = (first, now)
        self.sent.append(message)
        return message

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="nashra-due-ticker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:  # the stack stopping under it, moto restarting: look again
                log.debug("due ticker: look failed", exc_info=True)
