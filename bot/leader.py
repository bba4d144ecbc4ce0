"""One serving process per database: the leader polls Telegram, every other ``run`` waits.

Two processes polling getUpdates for one bot is a Telegram conflict, and two fan-out workers
would both resume the same unfinished deliveries. So ``briefbot run`` first takes the
leadership lock (``storage.leadership``), which dies with its process, so a standby takes
over within about a second of polling.

A leader keeps checking that it still holds the lock (``still_held`` every second) and
stops serving when it is gone; a standby that takes over from a process that may still be
alive gives it time to notice first (no split brain).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from storage.db import RETRY_CAP, report_unreachable
from storage.leadership import Leadership, this_process

log = logging.getLogger(__name__)

STANDBY_POLL = 1.0  # seconds between a standby's attempts to take the lock
CHECK_EVERY = 1.0  # seconds between a leader's checks that it still holds the lock
CHECK_TIMEOUT = 3.0  # a check that hangs this long counts as a lost lock
# A standby that gets the lock while the old leader may still live (it lost its lock but not
# its life, or it runs on another machine) waits this long before serving: by then the old
# leader's own check has found the lock gone and it has stopped polling.
TAKEOVER_GRACE = CHECK_EVERY + CHECK_TIMEOUT


def become_leader(
    leadership: Leadership,
    database_url: str,
    *,
    poll: float = STANDBY_POLL,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Block until this process holds the lock, as a standby while another process leads."""
    announced: str | None = None
    delay = poll
    while True:
        try:
            if leadership.try_acquire():
                if announced is not None and not holder_known_dead(announced):
                    log.info(
                        "taking over from %s: serving in %.0f s, once it has stopped",
                        announced,
                        TAKEOVER_GRACE,
                    )
                    sleep(TAKEOVER_GRACE)
                log.info("leader: this process (%s) serves the bot", this_process())
                return
            holder = leadership.holder()
        except SQLAlchemyError as error:
            report_unreachable(database_url, error, delay)
            sleep(delay)
            delay = min(delay * 2, RETRY_CAP)
            continue
        delay = poll
        if holder != announced:
            log.info(
                "standby: another briefbot process (%s) is running; taking over when it stops",
                holder,
            )
            announced = holder
        sleep(poll)


def holder_known_dead(holder: str) -> bool:
    """True when ``holder`` (host/pid) is a process on this machine that no longer exists."""
    host, _, pid = holder.rpartition("/")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, under another user
        return False
    try:  # a killed process its parent has not reaped yet is a zombie: dead all the same
        status = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return False
    return status.rpartition(")")[2].split()[:1] == ["Z"]
