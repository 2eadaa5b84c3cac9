"""Days out of range at every door that takes a day: a clear answer naming the range, no crash.

`seit:` in /search, inline search and `newsbot search`; `/archiv DAY`; `newsbot digest --date`
and `newsbot export --since`. Days near year 1 or 9999 once overflowed `datetime` in zones east
or west of UTC (issue 30).
"""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.clock import FIRST_DAY, LAST_DAY
from bot.commands import Context, handle
from bot.inline import inline_search
from bot.render import to_plain
from bot.store import Store

NOW = datetime(2025, 11, 10, 12, tzinfo=UTC)
ZONES = ["UTC", "Pacific/Kiritimati", "Etc/GMT+12", "Europe/Berlin"]
EDGES = [date(1, 1, 1), date(9999, 12, 31), date(1899, 12, 31), FIRST_DAY, LAST_DAY,
         date(3000, 1, 1), date(1970, 1, 1)]  # fmt: skip
DAYS = st.one_of(st.sampled_from(EDGES), st.dates(date(1, 1, 1), date(9999, 12, 31)))


def spelled(day: date, german: bool) -> str:
    return f"{day.day}.{day.month}.{day.year:04d}" if german else day.isoformat()


def says_range(text: str) -> bool:
    return "1900" in text and "2999" in text


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=DAYS, german=st.booleans(), zone=st.sampled_from(ZONES), english=st.booleans())
def test_chat_commands_answer_every_day(
    seeded_store: Store, day: date, german: bool, zone: str, english: bool
) -> None:
    typed = spelled(day, german)
    context = Context("telegram:1", NOW, language="en" if english else "de", timezone=zone)
    known = FIRST_DAY <= day <= LAST_DAY
    for text in (f"/search venezuela seit:{typed}", f"/archiv {typed}", f"/search seit:{typed}"):
        reply = handle(text, context, seeded_store)
        assert reply is not None
        shown = to_plain(reply)
        assert says_range(shown) is not known, shown
        if not known:
            assert typed in shown
            assert ("outside" in shown) is english
    found = inline_search(f"venezuela seit:{typed}", "", seeded_store.index, language="de",
                          zone=zone, now=NOW)  # fmt: skip
    assert known or found.results == ()


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dates") / "newsbot.db"
    Store.open(path).close()
    return path


def run_cli(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(args))
    return code, err.getvalue()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=DAYS, zone=st.sampled_from(ZONES))
def test_cli_answers_every_day(
    cli_db: Path, monkeypatch: pytest.MonkeyPatch, day: date, zone: str
) -> None:
    monkeypatch.setenv("NEWSBOT_CONFIG", "")
    monkeypatch.setenv("NEWSBOT_TIMEZONE", zone)
    known = FIRST_DAY <= day <= LAST_DAY
    for args in (
        ("search", f"seit:{day.isoformat()}", "venezuela"),
        ("digest", "--date", day.isoformat()),
        ("export", "--since", day.isoformat()),
    ):
        code, err = run_cli("--db", str(cli_db), *args)
        assert "OverflowError" not in err
        assert "unerwarteter Fehler" not in err
        if not known:
            assert code == 2
            assert says_range(err), err
            assert day.isoformat() in err
            assert err.count("\n") == 1
