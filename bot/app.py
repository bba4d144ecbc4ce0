"""Wiring only: the Application with its hooks, handlers, jobs and error handler; ``run``.

``build_application(settings)`` gives a python-telegram-bot Application that talks to
TELEGRAM_API_URL (or Telegram), sends everything through the :class:`~bot.delivery.Throttle`
and, once started, opens the database (``post_init``), lists the commands with
setMyCommands, starts the fan-out worker (sending through
``handlers.telegram_delivery.BotSender``) and puts the jobs of ``bot.jobs`` on the JobQueue
(``schedule_jobs``); ``post_stop`` hands back unfinished deliveries and ``post_shutdown``
closes the database. ``started`` runs it the way ``run_polling`` would, and ``run`` serves
with it until a stop signal, which may come at any step of the start-up too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, CallbackContext, Defaults

from bot import render
from bot.config import Settings
from bot.delivery import FanOut, Throttle
from bot.jobs import (
    DAILY_JOB,
    FANOUT_EVERY,
    FANOUT_JOB,
    FIRST_SCAN_AFTER,
    RUNTIME,
    SCAN_JOB,
    Runtime,
    Scanner,
    digest_parts,
    in_transaction,
    queue_daily_digests,
    resume_fan_out,
    runtime,
    scan_inbox,
)
from bot.leader import CHECK_EVERY, CHECK_TIMEOUT, become_leader
from handlers import all_handlers
from handlers.telegram_delivery import NO_PREVIEW, BotSender, ThrottleRateLimiter
from storage import follows, subscriptions
from storage.clock import utcnow
from storage.db import open_database, reason_of, safe_url, wait_for_database
from storage.leadership import Leadership, leadership_for

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ERROR = 0, 2
MISSING_TOKEN = (
    "briefbot: TELEGRAM_BOT_TOKEN is not set — talk to @BotFather on Telegram to create a bot "
    "and get its token, then put it in .env (see .env.example)"
)
ALERT_EVERY = 600.0  # the same error is reported to the admins at most this often (seconds)
DATABASE = "database"  # bot_data: (engine, sessions) opened before start-up, if any
LEADERSHIP, LEADERSHIP_LOST = "leadership", "leadership_lost"  # bot_data keys
STOP = "stop"  # bot_data: stops serving (what a stop signal does)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
POLL_TIMEOUT = timedelta(seconds=10)  # getUpdates long poll, as run_polling's

BotApp = Application[Any, Any, Any, Any, Any, Any]
# Inline queries arrive only if asked for here (and inline mode is on with @BotFather).
ALLOWED_UPDATES = ["message", "callback_query", "inline_query"]


# --- the token stays out of logs ----------------------------------------------------------


class RedactSecrets(logging.Filter):
    """Replaces secrets in every record (message, arguments, traceback) with a placeholder."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<TELEGRAM_BOT_TOKEN>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's business
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def protect_token_in_logs(token: str) -> RedactSecrets:
    """Keep the token out of every log line: httpx quiet, and a redacting filter everywhere."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    redactor = RedactSecrets(token)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in root.handlers:
        handler.addFilter(redactor)
    return redactor


# --- building -----------------------------------------------------------------------------


def file_url_for(base_url: str) -> str | None:
    """The file URL that goes with a ``.../bot`` API URL (local Bot API server layout)."""
    trimmed = base_url.rstrip("/")
    if trimmed.endswith("/bot"):
        return trimmed[: -len("/bot")] + "/file/bot"
    return None


def _token(settings: Settings) -> str:
    secret = settings.telegram_bot_token
    return secret.get_secret_value().strip() if secret else ""


def build_application(settings: Settings, *, first_scan_after: float = FIRST_SCAN_AFTER) -> BotApp:
    """The application for ``settings``; the first inbox scan runs ``first_scan_after`` s in."""
    token = _token(settings)
    if not token:
        raise ValueError(MISSING_TOKEN)
    throttle = Throttle()
    builder = (
        Application.builder()
        .token(token)
        .rate_limiter(ThrottleRateLimiter(throttle))
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW))
        .concurrent_updates(True)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if settings.telegram_api_url:
        builder = builder.base_url(settings.telegram_api_url)
        file_url = file_url_for(settings.telegram_api_url)
        if file_url:
            builder = builder.base_file_url(file_url)
    application: BotApp = builder.build()
    application.bot_data["settings"] = settings
    application.bot_data["throttle"] = throttle
    application.bot_data["first_scan_after"] = first_scan_after
    application.add_handlers(all_handlers())
    application.add_error_handler(on_error)
    return application


async def register_commands(application: BotApp, admin_ids: frozenset[int]) -> None:
    """setMyCommands: the public commands for everyone, all of them in each admin's chat."""
    public = [BotCommand(c.command, c.description) for c in render.COMMANDS if not c.admin]
    everything = [BotCommand(c.command, c.description) for c in render.COMMANDS]
    await application.bot.set_my_commands(public)
    for admin_id in sorted(admin_ids):
        try:
            await application.bot.set_my_commands(everything, scope=BotCommandScopeChat(admin_id))
        except BadRequest as error:
            log.warning(
                "cannot list the admin commands for %s (%s); has that admin started the bot?",
                admin_id,
                error.message,
            )


def _prepare_ledger(session: Any) -> int:
    released = subscriptions.release_all_claims(session)
    subscriptions.ensure_instant_watermark(session, utcnow())
    follows.ensure_alert_watermark(session, utcnow())
    return released


async def _post_init(application: BotApp) -> None:
    settings: Settings = application.bot_data["settings"]
    engine, sessions = application.bot_data.get(DATABASE) or await asyncio.to_thread(
        open_database, settings.database_url
    )
    application.bot_data["engine"], application.bot_data["sessions"] = engine, sessions
    released = await asyncio.to_thread(in_transaction, sessions, _prepare_ledger)
    if released:
        log.info("resuming %d delivery(ies) interrupted by the last shutdown", released)
    settings.inbox.mkdir(parents=True, exist_ok=True)
    fanout = FanOut(
        BotSender(application.bot),
        sessions,
        digest_parts,
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )
    application.bot_data[RUNTIME] = Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        scanner=Scanner(
            sessions,
            settings.inbox,
            feeds=settings.feeds,
            feed_interval=timedelta(seconds=settings.ingest_interval),
        ),
        fanout=fanout,
        throttle=application.bot_data["throttle"],
    )
    await register_commands(application, settings.admin_ids)
    schedule_jobs(application, settings, first_scan_after=application.bot_data["first_scan_after"])

    async def report(error: Exception) -> None:
        await application.process_error(update=None, error=error)

    fanout.start(report)
    log.info(
        "briefbot started: database %s, inbox %s every %d s",
        safe_url(settings.database_url),
        settings.inbox,
        settings.ingest_interval,
    )


async def _post_stop(application: BotApp) -> None:
    state = application.bot_data.get(RUNTIME)
    if isinstance(state, Runtime):
        await state.fanout.stop()


async def _post_shutdown(application: BotApp) -> None:
    state = application.bot_data.get(RUNTIME)
    if isinstance(state, Runtime):
        await state.fanout.stop(grace=0)
    engine: Engine | None = application.bot_data.pop("engine", None)
    if engine is not None:
        engine.dispose()


# --- the jobs on the JobQueue -------------------------------------------------------------


def on_job_queue(
    job: Callable[[Runtime], Awaitable[None]],
) -> Callable[[CallbackContext[Any, Any, Any, Any]], Coroutine[Any, Any, None]]:
    """The JobQueue callback that runs ``job`` with the application's runtime."""

    async def callback(context: CallbackContext[Any, Any, Any, Any]) -> None:
        await job(runtime(context))

    return callback


def schedule_jobs(
    application: BotApp, settings: Settings, *, first_scan_after: float = FIRST_SCAN_AFTER
) -> None:
    jobs = application.job_queue
    if jobs is None:
        raise RuntimeError('the JobQueue is missing: install "python-telegram-bot[job-queue]"')
    once = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
    jobs.run_repeating(
        on_job_queue(scan_inbox),
        interval=settings.ingest_interval,
        first=first_scan_after,
        name=SCAN_JOB,
        job_kwargs=once,
    )
    now = utcnow()
    next_minute = (now + timedelta(minutes=1)).replace(second=1, microsecond=0)
    jobs.run_repeating(
        on_job_queue(queue_daily_digests),
        interval=60,
        first=next_minute,
        name=DAILY_JOB,
        job_kwargs=once,
    )
    jobs.run_repeating(
        on_job_queue(resume_fan_out),
        interval=FANOUT_EVERY,
        first=0.5,
        name=FANOUT_JOB,
        job_kwargs=once,
    )


# --- the one error handler ----------------------------------------------------------------


def _where(update: object, context: CallbackContext[Any, Any, Any, Any]) -> str:
    if isinstance(update, Update):
        chat = update.effective_chat.id if update.effective_chat else None
        user = update.effective_user.id if update.effective_user else None
        what = ""
        if update.effective_message and update.effective_message.text:
            what = f" {update.effective_message.text[:80]!r}"
        elif update.callback_query and update.callback_query.data:
            what = f" button {update.callback_query.data!r}"
        return f"update {update.update_id} (chat {chat}, user {user}){what}"
    if context.job is not None:
        return f"job {context.job.name}"
    return "a background task"


async def on_error(update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Log with context, apologise to the user, tell the admins; never raise."""
    error = context.error
    if error is None:
        return
    where = _where(update, context)
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        log.warning("network trouble in %s: %s", where, error)
        return
    log.error("unhandled error in %s", where, exc_info=error)
    try:
        if isinstance(update, Update) and update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, render.USER_ERROR)
    except TelegramError as notify_error:
        log.warning("could not apologise to chat: %s", notify_error)
    await _tell_admins(context, where, error)


async def _tell_admins(
    context: CallbackContext[Any, Any, Any, Any], where: str, error: BaseException
) -> None:
    settings: Settings = context.bot_data["settings"]
    if not settings.admin_ids:
        return
    key = f"{type(error).__name__}:{str(error)[:200]}"
    alerts: dict[str, float] = context.bot_data.setdefault("admin_alerts", {})
    now = time.monotonic()
    if now - alerts.get(key, -ALERT_EVERY) < ALERT_EVERY:
        return
    alerts[key] = now
    text = render.admin_error_message(where, error).replace(_token(settings), "<token>")
    for admin_id in sorted(settings.admin_ids):
        try:
            await context.bot.send_message(admin_id, text)
        except TelegramError as notify_error:
            log.warning("could not alert admin %s: %s", admin_id, notify_error)


# --- running ------------------------------------------------------------------------------


async def watch_leadership(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Stop serving the moment this process no longer holds the leadership lock."""
    leadership: Leadership = context.bot_data[LEADERSHIP]
    try:
        held = await asyncio.wait_for(asyncio.to_thread(leadership.still_held), CHECK_TIMEOUT)
    except TimeoutError:
        held = False
    if held or context.bot_data.get(LEADERSHIP_LOST):
        return
    log.error("lost the leadership lock; stopping so that only one process serves the bot")
    context.bot_data[LEADERSHIP_LOST] = True
    context.bot_data[STOP]()


@asynccontextmanager
async def started(
    application: BotApp, *, poll_timeout: timedelta = POLL_TIMEOUT
) -> AsyncIterator[BotApp]:
    """``application`` serving as ``run_polling`` serves it: initialise, ``post_init``, poll,
    start. On leaving, also when a start-up step fails or is cancelled halfway, what was
    started is stopped (then ``post_stop``), and it is shut down (then ``post_shutdown``)."""
    updater = application.updater
    assert updater is not None

    def report_polling_error(error: TelegramError) -> None:
        application.create_task(application.process_error(update=None, error=error))

    try:
        await application.initialize()
        if application.post_init:
            await application.post_init(application)
        await updater.start_polling(
            timeout=poll_timeout,
            allowed_updates=ALLOWED_UPDATES,
            error_callback=report_polling_error,
        )
        await application.start()
        yield application
    finally:
        if updater.running:
            await updater.stop()
        if application.running:
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


async def _serve_until_stopped(application: BotApp) -> None:
    """Serve until SIGINT/SIGTERM or a lost lock. Either cancels this task, whatever step it
    is at, so that a signal during start-up (a slow getMe, setMyCommands or deleteWebhook)
    unwinds like one while polling. (``run_polling`` raises SystemExit into the step instead,
    which leaves it running, or failing with a traceback, while the application shuts down.)
    """
    serving = asyncio.current_task()
    assert serving is not None
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, serving.cancel)
    application.bot_data[STOP] = serving.cancel
    with suppress(asyncio.CancelledError):
        async with started(application):
            await loop.create_future()  # never done: serving ends by cancellation


def _stopped() -> int:
    log.info("briefbot stopped")
    return EXIT_OK


@contextmanager
def _exit_on_sigterm() -> Iterator[None]:
    """While waiting (for the database, as a standby) SIGTERM ends the process cleanly."""

    def leave(_signal: int, _frame: object) -> None:
        raise SystemExit(_stopped())

    previous = signal.signal(signal.SIGTERM, leave)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _serve(
    settings: Settings, leadership: Leadership, database: tuple[Engine, sessionmaker[Session]]
) -> bool:
    """Poll as the leader until stopped; True when it stopped because the lock was lost."""
    application = build_application(settings)
    application.bot_data[DATABASE] = database
    application.bot_data[LEADERSHIP] = leadership
    assert application.job_queue is not None
    application.job_queue.run_repeating(
        watch_leadership, interval=CHECK_EVERY, first=CHECK_EVERY, name="leadership"
    )
    asyncio.run(_serve_until_stopped(application))
    return bool(application.bot_data.get(LEADERSHIP_LOST))


def run(settings: Settings) -> int:
    """``briefbot run``: wait for the database and the leadership, then long polling until
    SIGINT/SIGTERM; a one-line error on bad setup."""
    token = _token(settings)
    if not token:
        print(MISSING_TOKEN, file=sys.stderr)
        return EXIT_ERROR
    redactor = protect_token_in_logs(token)
    for package in ("bot", "handlers", "storage"):
        if logging.getLogger(package).getEffectiveLevel() > logging.INFO:
            logging.getLogger(package).setLevel(logging.INFO)
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    try:
        leadership = leadership_for(settings.database_url)
    except ValueError as error:
        print(f"briefbot: {error}", file=sys.stderr)
        return EXIT_ERROR
    try:
        with _exit_on_sigterm():
            database = wait_for_database(settings.database_url)
            become_leader(leadership, settings.database_url)
        while _serve(settings, leadership, database):
            leadership.release()
            with _exit_on_sigterm():
                become_leader(leadership, settings.database_url)
    except InvalidToken:
        print(
            "briefbot: Telegram rejected TELEGRAM_BOT_TOKEN — copy it again from @BotFather "
            "(/mybots → API Token) into .env",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except NetworkError as error:
        where = settings.telegram_api_url or "api.telegram.org"
        print(
            f"briefbot: cannot reach the Telegram Bot API at {where}: "
            f"{redactor.redact(str(error))}",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except (SQLAlchemyError, OSError) as error:
        print(
            f"briefbot: cannot open database {safe_url(settings.database_url)}: {reason_of(error)}",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return _stopped()


__all__ = ["build_application", "on_error", "run", "runtime"]
