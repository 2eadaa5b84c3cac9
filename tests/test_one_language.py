"""Replies in one language that fit a group: /help names the German commands and explains one,
a filter without a name asks for one, two article numbers are answered clearly, alerts end with
the way to read on, and the status report dates in the configured zone and language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.alerts import alert_reply
from bot.cli import main
from bot.commands import Context, handle
from bot.ops import collect_status, render_status
from bot.records import NewArticle, Reply
from bot.render import to_plain
from bot.store import Store
from tests.i18n import foreign_words

CHAT = "telegram:1"


def say(store: Store, now: datetime, text: str, language: str | None = None) -> str:
    reply = handle(text, Context(CHAT, now, "telegram:5", language=language), store)
    assert isinstance(reply, Reply)
    return to_plain(reply)


def add_two(store: Store, now: datetime) -> None:
    for title in ("Grönland verhandelt", "Bahnstreik beginnt"):
        body = f"{title} heute. " * 30
        store.articles.add_article(NewArticle(title, "dpa", body, (title + ".",), now), now)


@pytest.mark.parametrize(
    ("language", "text", "says"),
    [
        ("de", "/help", "/search WÖRTER — Artikel suchen"),
        ("de", "/help", "(auch /suche)"),
        ("de", "/hilfe suche", "/search WÖRTER — Artikel suchen"),
        ("en", "/help search", "/search WORDS — Search articles, e.g."),
        ("de", "/help feeds", "dürfen nur die Betreiber"),
        ("de", "/search quelle:", "Welche Quelle? Schreib den Namen direkt hinter quelle:"),
        ("en", "/search venezuela source:", "Which source? Write its name right after source:"),
        ("de", "/article 1 2", "– zwei Artikel gemeint? Jeden für sich: /article 2"),
        ("en", "/article 1 2", "– two articles meant? Each on its own: /article 2"),
        ("de", "/settings leise an", "Gespeichert. Leise"),
    ],
)
def test_replies_say_it_in_the_readers_language(
    store: Store, now: datetime, language: str, text: str, says: str
) -> None:
    add_two(store, now)
    answer = say(store, now, text, language)
    assert says in answer, answer
    assert not foreign_words(answer, language), answer
    if text == "/help search" or text == "/hilfe suche":
        assert answer.count("\n") == 0  # only that command
    if language == "en" and text == "/help":
        assert "(auch" not in answer


def test_the_same_number_twice_is_no_second_article(store: Store, now: datetime) -> None:
    """`/article 2 2` names no "other" article: the second number is the same one."""
    add_two(store, now)
    assert say(store, now, "/article 2 2") == "Artikel 2 hat nur eine Seite: /article 2"
    assert say(store, now, "/article 2 2", "en") == "Article 2 has only one page: /article 2"


def test_an_alert_ends_with_the_way_to_read_on(store: Store, now: datetime) -> None:
    add_two(store, now)
    article = store.articles.article(1)
    assert article is not None
    for language in ("de", "en"):
        text = to_plain(alert_reply(article, ("grönland",), language))
        assert text.rstrip().endswith("→ /article 1")


def test_status_shows_times_in_the_configured_zone_and_language(store: Store) -> None:
    now = datetime(2025, 11, 10, 12, 0, tzinfo=UTC)
    store.articles.add_article(
        NewArticle("Grönland", "dpa", "Grönland heute. " * 30, (), now - timedelta(hours=1)), now
    )
    status = collect_status(store, ":memory:", now)
    german = render_status(status, now, "de", "Europe/Berlin")
    english = render_status(status, now, "en", "Europe/Berlin")
    assert "10.11.2025 13:00 CET" in german  # 12:00 UTC, as Berlin reads it
    assert "2025-11-10 13:00 CET" in english
    assert "UTC" not in german


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("de", "ist die Datenbank selbst; die Sicherung braucht eine andere Datei"),
        ("en", "is the database itself; a backup needs another file"),
    ],
)
def test_backup_errors_speak_the_configured_language(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    language: str,
    says: str,
) -> None:
    db = tmp_path / "newsbot.db"
    Store.open(str(db)).close()
    monkeypatch.setenv("NEWSBOT_DB", str(db))
    monkeypatch.setenv("NEWSBOT_CONFIG", "")
    monkeypatch.setenv("NEWSBOT_LANGUAGE", language)
    assert main(["backup", str(db)]) == 1
    err = capsys.readouterr().err
    assert says in err
    assert not foreign_words(err.replace(str(db), ""), language), err
