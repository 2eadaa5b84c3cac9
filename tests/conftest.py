"""Shared fixtures: a real Store (in memory or on disk), a fixed clock, the seed folder, and
`newsbot(...)`, the CLI run in this process with its own arguments, environment and stdio."""

from __future__ import annotations

import asyncio
import inspect
import io
import json
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import IO, Any

import pytest
import pytest_asyncio
from hypothesis import settings
from sqlite_utils import Database

from bot.app import make_delivery, make_handler
from bot.cli import main
from bot.config import Config
from bot.delivery import Delivery, Outgoing
from bot.digest import build_digests, plan_chat
from bot.ingest.files import ingest_paths
from bot.logs import LOG_HANDLER_MARK
from bot.query import index_text
from bot.records import Reply
from bot.render import render_digest
from bot.send_policy import Status
from bot.store import Storage, Store
from bot.store.migrations import migrations
from bot.store.postgres import PostgresStore
from bot.transports.port import Limits, Transport
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.postgres import Cluster, empty_postgres, skip_or_fail_without_postgres
from tests.fakes.synapse import Homeserver, skip_or_fail_without_synapse

# CI runs the property tests on fixed examples (`HYPOTHESIS_PROFILE=ci`), so a red run can be
# reproduced; a local run draws new ones each time, which is how they find new faults.
# No deadline in either: a property test asserts behaviour, not speed, and a loaded machine
# took a 200 ms example for a failure (test_logs, 291 ms under three parallel suites).
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("local", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "local"))

ROOT = Path(__file__).resolve().parent.parent


async def settled(result: object) -> object:
    """A wait's condition value: awaited when it is awaitable (a store read through
    `store.run`, on the store's thread, while a bot writes there)."""
    return await result if inspect.isawaitable(result) else result


async def wait_until(
    condition: Callable[[], object], within: float = 90.0, *, what: str = "", every: float = 0.02
) -> None:
    """Wait until `condition()` is true; an awaitable result (a store read through `store.run`)
    is awaited. Never a fixed sleep: the deadline only bounds a failure on a loaded machine."""
    end = time.monotonic() + within
    while not await settled(condition()):
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what or 'the condition'}")
        await asyncio.sleep(every)


SEEDS = ROOT / "seeds"
# Pacing for tests that are not about pacing: no gap per chat, no real-time wait. Tests pass it
# to the transports (`limits=FAST`); test_restart's burst test keeps Telegram's real limits.
FAST = Limits(per_second=1000.0, chat_gap=0.0)


# The training scripts that rebuild the shipped models (`@pytest.mark.retrains(NAME)`): each
# writes its files into the folder it is given. A run takes about a minute of one core, so it is
# started as soon as a test that needs it is collected and runs beside the other tests (mostly
# waiting on servers and processes); the test waits for it only when its turn comes.
RETRAINING = {
    "sentences": ("tools.train", "--out", "{out}/sentences.json"),
    "blocks": ("tools.train_blocks", "--out-dir", "{out}"),
}
# Under pytest-xdist every worker collects every test, but each training runs once: the first
# worker (gw0) starts it in a folder that the controller made for the run (its path passed on in
# the environment), and whichever worker runs the test waits there.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
_TRAINS_HERE = _WORKER in (None, "gw0")
_RETRAIN_DIR = "NEWSBOT_RETRAIN_DIR"


def pytest_configure(config: pytest.Config) -> None:
    """The run's training folder, made before xdist starts its workers (they inherit it)."""
    if _WORKER is None:
        os.environ[_RETRAIN_DIR] = tempfile.mkdtemp(prefix="newsbot-retrain-")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _WORKER is None:
        shutil.rmtree(os.environ.pop(_RETRAIN_DIR, ""), ignore_errors=True)


@dataclass
class Retraining:
    """A training script running in the background into its own folder; its exit code lands
    in `rc` when it ends, so a test in another worker process can wait for it too."""

    out: Path
    process: subprocess.Popen[bytes] | None = None

    def output(self, timeout: float) -> Path:
        """Wait for the script and return its folder; a failed run fails the test, with its
        error output."""
        rc = self.out / "rc"
        deadline = time.monotonic() + timeout
        while not rc.exists():
            assert time.monotonic() < deadline, f"no training run ended in {self.out}"
            time.sleep(0.5)
        errors = (self.out / "stderr.txt").read_text(errors="replace")
        assert rc.read_text().strip() == "0", errors
        return self.out


_retraining: dict[str, Retraining] = {}


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the training runs that the selected tests compare with the shipped models."""
    if session.config.option.collectonly:
        return
    names = {m.args[0] for item in session.items for m in item.iter_markers("retrains")}
    for name in sorted(names - _retraining.keys()):
        out = Path(os.environ[_RETRAIN_DIR]) / name
        if not _TRAINS_HERE:
            _retraining[name] = Retraining(out)
            continue
        out.mkdir()
        module, *args = RETRAINING[name]
        command = [sys.executable, "-m", module, *(a.format(out=out) for a in args)]
        # `rc` is written by a rename, so a waiting worker never reads it half-written.
        script = '"$@" 2>"$OUT/stderr.txt"; echo $? >"$OUT/rc.part"; mv "$OUT/rc.part" "$OUT/rc"'
        process = subprocess.Popen(
            ["sh", "-c", script, "train", *command],
            cwd=ROOT,
            env={**os.environ, "OUT": str(out)},
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # stopped as a group: the shell and the script
        )
        _retraining[name] = Retraining(out, process)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """End the training runs. A single process, or an interrupted worker, stops them; a worker
    that finished lets them end, since a test in another worker may be waiting for them."""
    for run in _retraining.values():
        if run.process is None:
            continue
        if (_WORKER is None or exitstatus == pytest.ExitCode.INTERRUPTED) and (
            run.process.poll() is None
        ):
            os.killpg(run.process.pid, signal.SIGKILL)
        run.process.wait()
    _retraining.clear()


# How long a test waits for its training run: about a minute alone, far longer on a loaded
# machine (such a test sets its own pytest timeout above this, not the default 300 s).
RETRAIN_WAIT = 1500.0


@pytest.fixture
def retrained(request: pytest.FixtureRequest) -> Callable[[], Path]:
    """Waits for the test's `retrains(NAME)` training run and returns the folder it wrote
    (a test that may skip, for want of the dev data, does so before it waits)."""
    marker = request.node.get_closest_marker("retrains")
    assert marker is not None, "a test using `retrained` is marked `retrains(NAME)`"
    return partial(_retraining[marker.args[0]].output, RETRAIN_WAIT)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the `xdist_group` marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the real homeserver is a `synapse` and `integration` test, marked or not,
    so `-m "not synapse"` and `make test-fast` leave out every one of them. The `retrains` tests
    run last, so their training runs have the whole session to finish in the background; the
    `slow` tests and the homeserver's group go first, so no long test starts near the end while
    the other worker has nothing left (longest first: the run ends when both workers do)."""
    for item in items:
        # Marked by hand where the homeserver is asked for at run time (test_transports).
        uses = "homeserver" in getattr(item, "fixturenames", ())
        if uses or item.get_closest_marker("synapse") is not None:
            item.add_marker(pytest.mark.synapse)
            item.add_marker(pytest.mark.integration)
            # Under pytest-xdist (`--dist loadgroup`) one worker runs them all: one Synapse.
            item.add_marker(pytest.mark.xdist_group("synapse"))

    def turn(item: pytest.Item) -> int:
        if item.get_closest_marker("retrains") is not None:
            return 3
        if item.get_closest_marker("slow") is not None:
            return 0
        return 1 if item.get_closest_marker("synapse") is not None else 2

    items.sort(key=turn)  # stable: within a turn, the files' own order


@pytest.fixture
def now() -> datetime:
    """A fixed, timezone-aware 'now' for pure functions."""
    return datetime(2025, 11, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def store() -> Iterator[Store]:
    """A real Store on an in-memory SQLite database."""
    s = Store.memory()
    yield s
    s.close()


@pytest.fixture
def memory_db() -> Iterator[Database]:
    """A bare in-memory sqlite-utils Database, closed afterwards (3.13 warns on a leak)."""
    db = Database(memory=True)
    yield db
    db.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for an on-disk database file."""
    return tmp_path / "newsbot.db"


@pytest.fixture
def seeded_store(store: Store, now: datetime) -> Store:
    """The in-memory store with both seed articles ingested."""
    results = list(ingest_paths(store, [SEEDS], now))
    assert [r.status for r in results] == ["added", "added"]
    return store


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL server for the whole session (starts in about a second)."""
    cluster = Cluster.start(skip_or_fail_without_postgres())
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster: Cluster) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    url = postgres_cluster.create_database()
    yield url
    postgres_cluster.drop_database(url)


@pytest.fixture(scope="session")
def postgres_store(postgres_cluster: Cluster) -> Iterator[PostgresStore]:
    """One PostgreSQL store for the session; `any_store` empties it before each test (a new
    database and pool per test cost ~0.7 s, emptying the tables ~20 ms)."""
    s = PostgresStore.open(postgres_cluster.create_database())
    yield s
    s.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest) -> Iterator[Storage]:
    """The store on each backend in turn: SQLite in memory, then an empty PostgreSQL database.

    A test module runs its tests on both by overriding `store` with it, as test_store.py does.
    """
    if request.param == "sqlite":
        s = Store.memory()
        yield s
        s.close()
        return
    shared = request.getfixturevalue("postgres_store")
    empty_postgres(shared)
    yield shared


@pytest.fixture(scope="session")
def homeserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Homeserver]:
    """One real Synapse for the whole test session on 127.0.0.1; every test registers users
    of its own (unique names), so tests share the server but no account or room."""
    skip_or_fail_without_synapse()
    server = Homeserver(tmp_path_factory.mktemp("synapse")).start()
    yield server
    server.stop()


async def deliver(transport: Transport, chat: str, reply: Reply, **options: Any) -> Status:
    """Send `reply` to `chat` through the one outgoing path (`bot.delivery`), as the bot does;
    returns how it ended (`Status.SENT`, `GONE`, `FAILED`, …)."""
    delivery = Delivery({transport.name: transport}, backoff=0.05)
    await delivery.start()
    try:
        return (await delivery.deliver(Outgoing(chat, reply, "test", **options))).status
    finally:
        await delivery.stop()


@dataclass
class Running:
    """A started transport wired as `newsbot run` wires it: the command core, and every
    message out through the one delivery."""

    transport: Transport
    delivery: Delivery

    async def send(self, chat: str, reply: Reply) -> Status:
        """Send as the bot sends a digest; how it ended (`Status.SENT`, `GONE`, `FAILED`, …)."""
        return (await self.delivery.deliver(Outgoing(chat, reply, "test"))).status


@asynccontextmanager
async def running(
    transport: Transport, store: Store, now: datetime, config: Config | None = None
) -> AsyncIterator[Running]:
    """Start `transport` with the bot's handler and delivery; stop both on exit."""
    delivery = make_delivery(store, [transport])
    handler = make_handler(config or Config(), store, lambda: now, delivery)
    await delivery.start()
    try:
        await transport.start(handler)
        try:
            yield Running(transport, delivery)
        finally:
            await transport.stop()
    finally:
        await delivery.stop()


@pytest_asyncio.fixture
async def bot_api() -> AsyncIterator[FakeBotAPI]:
    """A fake Bot API server on 127.0.0.1."""
    api = await FakeBotAPI().start()
    yield api
    await api.stop()


@dataclass(frozen=True)
class Result:
    """What a `newsbot` run showed: its exit status and what it printed (as CompletedProcess)."""

    returncode: int
    stdout: str
    stderr: str


def newsbot(
    *args: str,
    db: Path | None = None,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    clean_env: bool = False,
) -> Result:
    """Run `newsbot ARGS` in this process (as sqlite-utils tests its CLI with CliRunner).

    The environment is os.environ (or nothing, with `clean_env`) plus NEWSBOT_CONFIG="",
    NEWSBOT_DB=`db` and `env`; stdin reads `stdin`; stdout and stderr are captured. The
    process's environment, working folder, stdio and logging are restored afterwards. What
    only a real process shows (the entry point, signals, SIGPIPE, `-W error`) is tested by
    spawning one: see `newsbot_process`.
    """
    environment = {} if clean_env else dict(os.environ)
    environment["NEWSBOT_CONFIG"] = ""
    if db is not None:
        environment["NEWSBOT_DB"] = str(db)
    environment.update(env or {})
    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd, saved_stdin = dict(os.environ), os.getcwd(), sys.stdin
    root = logging.getLogger()
    saved_handlers, saved_levels = root.handlers[:], _logger_levels()
    os.environ.clear()
    os.environ.update(environment)
    sys.stdin = io.StringIO(stdin or "")
    try:
        if cwd is not None:
            os.chdir(cwd)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's usage errors and --help
                code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
                if isinstance(exc.code, str):
                    print(exc.code, file=sys.stderr)
    finally:
        os.chdir(saved_cwd)
        sys.stdin = saved_stdin
        os.environ.clear()
        os.environ.update(saved_env)
        root.handlers[:] = saved_handlers
        for name, level in saved_levels.items():
            (logging.getLogger(name) if name else root).setLevel(level)
    return Result(code, out.getvalue(), err.getvalue())


async def rendered_digest(store: Storage, chat: str, now: datetime) -> Reply:
    """The chat's digest now, planned and built on the store's own thread (a serving bot may
    still be writing on it), rendered in German."""

    def build() -> Reply:
        plan = plan_chat(store, chat, now, default_zone="Europe/Berlin")
        return render_digest(build_digests(store, {"": plan}, now)[""], "de")

    return await store.run(build)


def summarize_page(folder: Path, name: str, text: str) -> list[str]:
    """The summary `newsbot summarize FILE --json` gives for a page dump of `text`."""
    page = folder / name
    page.write_text(text, encoding="utf-8")
    result = newsbot("summarize", str(page), "--json")
    assert result.returncode == 0, result.stderr
    summary: list[str] = json.loads(result.stdout)["summary"]
    return summary


@pytest.fixture(autouse=True)
def _logging_as_found() -> Iterator[None]:
    """Each test leaves logging as it found it: the CLI's `main()`, which tests call directly,
    installs the bot's root handler and levels, which a later test in the worker would find."""
    root = logging.getLogger()
    handlers, levels = set(root.handlers), _logger_levels()
    yield
    for handler in root.handlers[:]:
        if handler not in handlers and getattr(handler, LOG_HANDLER_MARK, False):
            root.removeHandler(handler)
    for name, level in levels.items():
        (logging.getLogger(name) if name else root).setLevel(level)


def _logger_levels() -> dict[str, int]:
    """Every existing logger's own level ("" is the root), to put back after a run."""
    loggers = logging.Logger.manager.loggerDict.items()
    levels = {name: lg.level for name, lg in loggers if isinstance(lg, logging.Logger)}
    return {"": logging.getLogger().level, **levels}


def newsbot_process(
    *args: str,
    db: Path | None = None,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdout: int | IO[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` as a real process: for what only a process shows. Its output
    is captured, or written to `stdout` (a closed pipe, /dev/full) when given."""
    environment = {**os.environ, "NEWSBOT_CONFIG": "", "PYTHONPATH": str(ROOT), **(env or {})}
    if db is not None:
        environment["NEWSBOT_DB"] = str(db)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def console_chat(lines: list[str], db: Path) -> str:
    """What `newsbot demo` answers in its console chat to `lines` (one message each)."""
    result = newsbot("demo", db=db, stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout.split("Konsolen-Chat", 1)[1]


# When the rows of an older release's file were written (old_sqlite_file).
OLD_FILE_TIME = "2025-11-10T12:00:00+00:00"


def old_sqlite_file(path: Path, stop_before: str) -> None:
    """A SQLite file as a release before `stop_before` left it: a chat with two alerts and one
    article (indexed as search then indexed, where the file has the columns)."""
    with sqlite3.connect(path) as conn:
        db = Database(conn)
        migrations.apply(db, stop_before=stop_before)
        db.table("chats").insert({"key": "tg:1"})
        db.table("alerts").insert_all(
            {"id": n, "chat": "tg:1", "words": words, "created": OLD_FILE_TIME}
            for n, words in ((1, "Zoll"), (2, "Hochwasser Rhein"))
        )
        title, body = "Neue Luftabwehrsysteme für Kiew", "Die Raketen kamen über die Straße."
        row = {"title": title, "source": "dpa", "body": body, "content_hash": "x"}
        if "title_stems" in db.table("articles").columns_dict:
            index = index_text(title, body)
            row |= {"title_stems": index.title, "body_stems": index.body}
        db.table("articles").insert({**row, "fetched": OLD_FILE_TIME})
    conn.close()
