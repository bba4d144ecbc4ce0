"""Getting messages out under Telegram's limits: the throttle and the digest fan-out.

Nothing here imports Telegram's library: ``handlers/telegram_delivery.py`` adapts both
classes to python-telegram-bot.

:class:`Throttle` paces every request the bot makes (command replies and digests alike),
since the bot's PTB rate limiter passes each one through :meth:`Throttle.run`:

* overall, a steady pacer lets one message out every ``1 / messages_per_second`` seconds
  (30/s by default, never in a burst), and a message counts against Telegram's sliding
  second until a second after its response, so no second ever holds more than 30 however
  the latency jitters; replies to users go before queued digest messages;
* per chat, a leaky bucket: a burst of three, then one a second; groups also at most
  20 a minute;
* a 429 (:class:`FloodControl`) pauses every request for ``retry_after`` and the request is
  retried, however often it takes: no message is ever dropped for flood control.

:class:`FanOut` sends the digests the ledger (``storage.subscriptions``) has pending: it
claims rows in batches, sends each subscriber's messages in order, records every message
in the ledger as soon as it is out, and handles what Telegram answers, as a
:data:`SendResult` from its :class:`Sender`: 403 or "chat not found" deactivates the
subscriber for good, a migrated group is followed to its new id, and network failures are
retried with back-off.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage import subscriptions
from storage.clock import utcnow
from storage.subscriptions import Claim

log = logging.getLogger(__name__)

T = TypeVar("T")

# A request's priority in the overall pacer, lower first (PTB's rate_limit_args carry it).
INTERACTIVE = 0
BULK = 1

# BadRequest descriptions that mean the chat is gone for good, like a 403.
GONE_CHAT_ERRORS = (
    "chat not found",
    "peer_id_invalid",
    "user not found",
    "group chat was deactivated",
    "bot was kicked",
    "not enough rights to send",
    "have no rights to send",
    "need administrator rights",
)


def _is_message(endpoint: str) -> bool:
    """Methods that put something in a chat, which Telegram's flood limits count."""
    return endpoint.startswith(("send", "edit", "copyMessage", "forwardMessage")) and (
        endpoint != "sendChatAction"
    )


# --- the throttle -------------------------------------------------------------------------


class _Pacer:
    """Lets requests out one every ``1 / rate`` s, lowest priority value first, never bursting.

    Telegram counts messages in a sliding second as they *arrive*, and a request arrives
    somewhere between its start and its response. So besides the steady spacing, a request
    holds a place in the window from its start until one window after its response: at most
    ``window_limit`` places, so no second can ever hold more than that at Telegram's end,
    however much the latency jitters.
    """

    def __init__(self, rate: float, window_limit: int, window: float = 1.0) -> None:
        self.interval = 1.0 / rate
        self.window_limit = window_limit
        self.window = window
        self._next = 0.0
        self._in_flight = 0
        self._ends: deque[float] = deque()
        self._changed = asyncio.Event()
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._dispatcher: asyncio.Task[None] | None = None

    def _wait_needed(self, now: float) -> float | None:
        """0 if a request may start now, else seconds to wait (None: until one finishes)."""
        if now < self._next:
            return self._next - now
        while self._ends and self._ends[0] <= now - self.window:
            self._ends.popleft()
        excess = self._in_flight + len(self._ends) - self.window_limit
        if excess < 0:
            return 0.0
        if excess < len(self._ends):
            return self._ends[excess] + self.window - now
        return None

    def _start(self, now: float) -> None:
        # A release a little late (event-loop jitter) keeps the schedule.
        self._next = max(self._next, now - self.interval / 4) + self.interval
        self._in_flight += 1

    def finished(self) -> None:
        """The response to a request let out by :meth:`acquire` has arrived."""
        self._in_flight -= 1
        self._ends.append(asyncio.get_running_loop().time())
        self._changed.set()

    async def acquire(self, priority: int) -> None:
        loop = asyncio.get_running_loop()
        if not self._waiters and self._wait_needed(loop.time()) == 0.0:
            self._start(loop.time())
            return
        future: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._waiters, (priority, next(self._order), future))
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = loop.create_task(self._dispatch(), name="briefbot-pacer")
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.finished()  # let out, but cancelled before it could start: give it back
            raise

    async def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiters:
            wait = self._wait_needed(loop.time())
            if wait != 0.0:
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout=wait)
                continue
            _priority, _order, future = heapq.heappop(self._waiters)
            if future.done():  # the waiter was cancelled
                continue
            self._start(loop.time())
            future.set_result(None)


class FloodControl(Exception):
    """Telegram answered 429: wait ``seconds``, then the same request may be tried again."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"flood control: retry after {seconds} s")
        self.seconds = seconds


class Throttle:
    """Every request paced overall, bucketed per chat, 429s waited out and retried."""

    def __init__(
        self,
        *,
        messages_per_second: float = 30.0,
        per_chat_interval: float = 1.0,
        per_chat_burst: int = 3,
        group_per_minute: int = 20,
    ) -> None:
        self._pacer = _Pacer(messages_per_second, window_limit=int(messages_per_second))
        self._chat_interval = per_chat_interval
        self._chat_tolerance = (per_chat_burst - 1) * per_chat_interval
        self._chats: dict[int | str, float] = {}
        self._group_limit = group_per_minute
        self._group_window = 61.0  # a minute and a margin
        self._groups: dict[int | str, deque[float]] = {}
        self._paused_until = 0.0
        self.flood_waits = 0
        """How many 429 answers were waited out (0 when pacing is right)."""

    def _chat_delay(self, chat: int | str, now: float) -> float:
        # GCRA: the bucket's theoretical arrival time for this chat.
        if len(self._chats) > 4096:
            self._chats = {key: tat for key, tat in self._chats.items() if tat > now}
        tat = max(self._chats.get(chat, now), now)
        self._chats[chat] = tat + self._chat_interval
        return max(0.0, tat - self._chat_tolerance - now)

    def _group_delay(self, chat: int | str, now: float) -> float:
        times = self._groups.setdefault(chat, deque())
        while times and times[0] < now - self._group_window:
            times.popleft()
        slot = max(now, times[-1] if times else now)
        if len(times) >= self._group_limit:
            slot = max(slot, times[-self._group_limit] + self._group_window)
        times.append(slot)
        return slot - now

    async def _wait_for_pause(self) -> None:
        loop = asyncio.get_running_loop()
        while (wait := self._paused_until - loop.time()) > 0:
            await asyncio.sleep(wait)

    async def _acquire(self, chat: int | str | None, priority: int) -> None:
        loop = asyncio.get_running_loop()
        if chat is not None:
            delay = self._chat_delay(chat, loop.time())
            if isinstance(chat, str) or chat < 0:
                delay = max(delay, self._group_delay(chat, loop.time()))
            if delay > 0:
                await asyncio.sleep(delay)
        await self._pacer.acquire(priority)

    async def run(
        self,
        request: Callable[[], Awaitable[T]],
        *,
        endpoint: str,
        chat: int | str | None,
        priority: int | None,
    ) -> T:
        """``request`` (a call of Bot API method ``endpoint`` to ``chat``) when its turn comes;
        again after the wait, each time it raises :class:`FloodControl`."""
        if isinstance(chat, str) and chat.lstrip("-").isdigit():
            chat = int(chat)
        priority = INTERACTIVE if priority is None else priority
        paced = _is_message(endpoint)
        while True:
            await self._wait_for_pause()
            if paced:
                await self._acquire(chat, priority)
            try:
                return await request()
            except FloodControl as flood:
                self.flood_waits += 1
                wait = flood.seconds + 0.1
                loop = asyncio.get_running_loop()
                self._paused_until = max(self._paused_until, loop.time() + wait)
                log.warning(
                    "flood control on %s to chat %s: waiting %.1f s, then retrying",
                    endpoint,
                    chat,
                    wait,
                )
            finally:
                if paced:
                    self._pacer.finished()


# --- the fan-out --------------------------------------------------------------------------


class Outcome(Enum):
    SENT = "sent"
    GONE = "gone"  # blocked, kicked, chat not found: never again
    FAILED = "failed"  # Telegram refused this message for good
    DROPPED = "dropped"  # the subscription went away meanwhile (unsubscribed, merged)
    STOPPED = "stopped"  # shutting down before a definite answer


@dataclass
class FanOutStats:
    messages: int = 0
    deliveries: int = 0
    deactivated: int = 0
    failed: int = 0
    migrated: int = 0


class DeliveryErrors(RuntimeError):
    """Unexpected errors while sending digests, raised after the batch for the error handler."""


@dataclass(frozen=True)
class Sent:
    """The message is in the chat."""


@dataclass(frozen=True)
class RetryLater:
    """Flood control (429): the same message may be sent after ``seconds``."""

    seconds: float


@dataclass(frozen=True)
class Migrated:
    """The group became the supergroup ``new_chat_id``; the message was not sent."""

    new_chat_id: int


@dataclass(frozen=True)
class ChatGone:
    """The bot may no longer write to the chat (403: blocked, kicked)."""

    reason: str


@dataclass(frozen=True)
class Refused:
    """Telegram refused this message (400); ``reason`` may still say the chat is gone."""

    reason: str


@dataclass(frozen=True)
class NetworkFailure:
    """No definite answer (a network error or a time-out): the message may be out or not."""

    reason: str


SendResult = Sent | RetryLater | Migrated | ChatGone | Refused | NetworkFailure


class Sender(Protocol):
    """How the fan-out reaches Telegram: one HTML message, without a link preview, paced as
    bulk; any other error than those a :data:`SendResult` names is raised."""

    async def send(self, chat_id: int, html: str) -> SendResult: ...


PartsLoader = Callable[[Session, int], list[str]]
ErrorReporter = Callable[[Exception], Awaitable[None]]


class FanOut:
    """Sends pending digest deliveries; one worker task per process, woken by :meth:`kick`."""

    def __init__(
        self,
        sender: Sender,
        sessions: sessionmaker[Session],
        parts_for: PartsLoader,
        *,
        worker: str = "briefbot",
        concurrency: int = 64,
        batch: int = 256,
        max_backoff: float = 60.0,
    ) -> None:
        self.sender = sender
        self.sessions = sessions
        self.parts_for = parts_for
        self.worker = worker
        self.batch = batch
        self.max_backoff = max_backoff
        self.stats = FanOutStats()
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._progress = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._queues: dict[int, deque[Claim]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._held: dict[int, Claim] = {}
        self._parts: dict[int, asyncio.Task[list[str]]] = {}
        self._errors: list[BaseException] = []

    # ---------------------------------------------------------------- lifecycle

    def start(self, on_error: ErrorReporter) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._run(on_error), name="briefbot-fan-out"
            )

    def kick(self) -> None:
        """There may be new pending deliveries: drain them (at once, or after the current run)."""
        self._wake.set()

    async def stop(self, grace: float = 5.0) -> None:
        """Finish the messages in flight (up to ``grace`` s), hand the other claims back."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        self._progress.set()
        done, _ = await asyncio.wait({self._task}, timeout=grace)
        if not done:
            self._task.cancel()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(self._task, *self._tasks, return_exceptions=True)
        self._task = None
        if self._held:
            held = list(self._held.values())
            self._held.clear()
            try:
                await self._db(subscriptions.release, held, utcnow())
            except SQLAlchemyError:
                log.exception("could not hand back %d claimed deliveries", len(held))

    async def _run(self, on_error: ErrorReporter) -> None:
        while not self._stopping:
            await self._wake.wait()
            self._wake.clear()
            if self._stopping:
                break
            try:
                await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                try:
                    await on_error(error)
                except Exception:
                    log.exception("reporting a fan-out error failed; the error was: %r", error)

    # ---------------------------------------------------------------- draining

    async def _db(self, function: Callable[..., T], *args: Any) -> T:
        def in_transaction() -> T:
            with self.sessions.begin() as session:
                return function(session, *args)

        return await asyncio.to_thread(in_transaction)

    async def drain(self) -> None:
        """Send every pending delivery, claiming in batches, until none is left."""
        before = replace(self.stats)
        exhausted = False
        try:
            while not self._stopping:
                self._progress.clear()
                open_count = len(self._held)
                if open_count < self.batch // 2 and not (exhausted and open_count):
                    token = subscriptions.new_claim_token(self.worker)
                    wanted = self.batch - open_count
                    claims = await self._db(subscriptions.claim_deliveries, token, wanted, utcnow())
                    exhausted = len(claims) < wanted
                    for claim in claims:
                        self._enqueue(claim)
                    if not self._held:
                        break
                await self._progress.wait()
        finally:
            # On stop, each subscriber's task ends after its message in flight.
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._parts.clear()
            if self.stats != before:
                log.info(
                    "fan-out: %d message(s), %d delivery(ies) complete, %d chat(s) gone, %d failed",
                    self.stats.messages - before.messages,
                    self.stats.deliveries - before.deliveries,
                    self.stats.deactivated - before.deactivated,
                    self.stats.failed - before.failed,
                )
        if self._errors:
            errors, self._errors = self._errors, []
            raise DeliveryErrors(
                f"{len(errors)} deliveries failed unexpectedly; first: "
                f"{type(errors[0]).__name__}: {errors[0]}"
            ) from errors[0]

    def _enqueue(self, claim: Claim) -> None:
        self._held[claim.delivery_id] = claim
        queue = self._queues.get(claim.subscriber_id)
        if queue is not None:
            queue.append(claim)
            return
        self._queues[claim.subscriber_id] = deque([claim])
        task = asyncio.get_running_loop().create_task(self._serve(claim.subscriber_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, subscriber_id: int) -> None:
        """Send one subscriber's deliveries in order, one at a time."""
        queue = self._queues[subscriber_id]
        try:
            async with self._slots:
                while queue and not self._stopping:
                    claim = queue[0]
                    if await self._deliver_safely(claim):
                        queue.popleft()
                        self._held.pop(claim.delivery_id, None)
                        self._progress.set()
        finally:
            # Whatever is left (stopping) stays held, for stop() to hand back.
            del self._queues[subscriber_id]
            self._progress.set()

    async def _deliver_safely(self, claim: Claim) -> bool:
        """Deliver; True once the ledger row is settled (or handed back) for this run."""
        try:
            return await self._deliver(claim)
        except asyncio.CancelledError:
            raise
        except SQLAlchemyError as error:
            # The ledger is unreachable: the claim goes back once the database answers again.
            log.error("ledger error during delivery %s: %s", claim.delivery_id, error)
            self._errors.append(error)
            with contextlib.suppress(SQLAlchemyError):  # else handed back at the next start-up
                await self._db(subscriptions.release, [claim], utcnow())
            return True
        except Exception as error:
            log.exception(
                "delivery %s (digest %s) to chat %s failed unexpectedly",
                claim.delivery_id,
                claim.digest_id,
                claim.chat_id,
            )
            self._errors.append(error)
            self.stats.failed += 1
            with contextlib.suppress(SQLAlchemyError):  # else handed back at the next start-up
                await self._db(
                    subscriptions.mark_failed, claim, f"{type(error).__name__}: {error}", utcnow()
                )
            return True

    async def _parts_of(self, digest_id: int) -> list[str]:
        task = self._parts.get(digest_id)
        if task is None:
            task = asyncio.ensure_future(self._db(self.parts_for, digest_id))
            self._parts[digest_id] = task
        return await asyncio.shield(task)

    async def _deliver(self, claim: Claim) -> bool:
        """Send the parts not yet out; False if stopped before the end (claim still held)."""
        parts = await self._parts_of(claim.digest_id)
        chat_id = claim.chat_id
        sent = claim.parts_sent
        if sent >= len(parts):
            await self._db(subscriptions.mark_parts_sent, claim, sent, len(parts), utcnow())
            return True
        while sent < len(parts):
            if self._stopping:
                return False  # handed back by stop(); the next run resumes at this part
            outcome, chat_id, reason = await self._send(chat_id, parts[sent])
            if outcome is Outcome.SENT:
                sent += 1
                # Resume from here after a restart: this claim now starts at the next part.
                claim = replace(claim, chat_id=chat_id, parts_sent=sent)
                self._held[claim.delivery_id] = claim
                self.stats.messages += 1
                still_ours = await self._db(
                    subscriptions.mark_parts_sent, claim, sent, len(parts), utcnow()
                )
                if not still_ours:
                    return True  # unsubscribed meanwhile: stop here
            elif outcome is Outcome.GONE:
                self.stats.deactivated += 1
                log.info("chat %s is gone (%s): subscriber deactivated", chat_id, reason)
                await self._db(subscriptions.deactivate, claim.subscriber_id, reason)
                return True
            elif outcome is Outcome.FAILED:
                self.stats.failed += 1
                log.error(
                    "Telegram refused part %d of digest %s for chat %s: %s",
                    sent + 1,
                    claim.digest_id,
                    chat_id,
                    reason,
                )
                await self._db(subscriptions.mark_failed, claim, reason, utcnow())
                return True
            else:
                return outcome is not Outcome.STOPPED
        self.stats.deliveries += 1
        return True

    async def _send(self, chat_id: int, text: str) -> tuple[Outcome, int, str]:
        """One message, retried until Telegram gives a definite answer."""
        attempt = 0
        while True:
            match await self.sender.send(chat_id, text):
                case Sent():
                    return Outcome.SENT, chat_id, ""
                case RetryLater(seconds):  # the throttle retries; this is a second line
                    await asyncio.sleep(seconds + 0.1)
                case Migrated(new_chat_id):
                    self.stats.migrated += 1
                    moved = await self._db(subscriptions.migrate_chat, chat_id, new_chat_id)
                    log.info("chat %s became %s: following it", chat_id, new_chat_id)
                    if not moved:
                        return Outcome.DROPPED, chat_id, "merged into the supergroup's subscription"
                    chat_id = new_chat_id
                case ChatGone(reason):
                    return Outcome.GONE, chat_id, reason
                case Refused(reason):
                    if any(gone in reason.lower() for gone in GONE_CHAT_ERRORS):
                        return Outcome.GONE, chat_id, reason
                    return Outcome.FAILED, chat_id, reason
                case NetworkFailure(reason):
                    attempt += 1
                    delay = min(self.max_backoff, 0.5 * 2**attempt)
                    log.warning(
                        "network error sending to chat %s (%s); retry %d in %.1f s",
                        chat_id,
                        reason,
                        attempt,
                        delay,
                    )
                    if self._stopping:
                        return Outcome.STOPPED, chat_id, "shutting down"
                    await asyncio.sleep(delay)
