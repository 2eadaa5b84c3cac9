"""10,000 generated messages through the command core and both renderers: no exception, every
reply valid for its platform, the database intact afterwards."""

from __future__ import annotations

import random
import sqlite3
from contextlib import closing
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import COMMANDS, Context, handle
from bot.records import Reply
from bot.render import (
    MATRIX_LIMIT,
    TELEGRAM_LIMIT,
    matrix_body,
    split_reply,
    telegram_html,
    utf16_len,
)
from bot.store import Store
from tests.fakes.bot_api import parse_telegram_html
from tests.test_render import check_matrix_html

MESSAGES = 10_000
NAMES = [*COMMANDS, "unknown", "SEARCH", "more", "start@digest_test_bot"]
NASTY = [
    '"', "'", "*", "(", ")", "NEAR(", "AND", "OR", "NOT", "^", ":", "-", "{title body}",
    "<b>", "</a>", "&amp;", "&nbsp;", "<script>", "\x00", "\ud800", "\u202e", "😀", "ß", "ẞ",
    "seit:", "seit:2025-13-45", "quelle:", "seite:0", "seite:9999", "07:30", "24:00",
    "Europe/Berlin", "../../etc/passwd", "Mars/Olympus", "https://x.org/?a=<b>", "%s", "{0}",
    "(a+)+$", "٣", "²", "\n\n", "\t", " ", "#1", "[1]", "-1", "99999999999999999999",
]  # fmt: skip
WORDS = ["venezuela", "Russland", "Grönland", "Straße", "strasse", "Kreml", "dpa", "TKP"]
# Well-formed arguments, so the fuzz also walks the success paths that touch the database.
VALID = {
    "search": ["venezuela", "russland seite:1", "kreml quelle:dpa", "venezuela seit:2025-11-01"],
    "article": ["1", "2", "#1", "[2]"],
    "subscribe": [
        "07:30",
        "6.15 Europe/Vienna",
        "23:59 America/New_York",
        "07:30 Mo-Fr",
        "7 Sa, So",
        "18 Uhr Mo bis",
        "07:30 Fr-Mo Europa/Wien",
        "07:30 bis",
        "halb acht mo mi fr",
        "- so",
    ],
    "digest": ["gestern", "2.1.2026", "2026-01-02", "31.02.2026", "heute", "1.1.1899"],
    "settings": ["sprache en", "sprache de", "meldungen 3", "saetze 2", "zeit 08:00", "zone UTC"],
    "alert": ["Grönland", "straße kreml"],
    "unalert": ["1", "2"],
    "addfeed": ["https://example.org/rss", "http://127.0.0.1/feed.xml"],
    "removefeed": ["1", "2"],
    "more": ["", "1", "2"],
}


def message(rng: random.Random) -> str:
    """One generated chat message: command-like most of the time, sometimes pure noise."""
    kind = rng.random()
    if kind < 0.1:
        return "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(0, 60)))
    prefix = rng.choice(["/", "!", "/", "", " /"])
    name = rng.choice(NAMES)
    if kind < 0.35 and name in VALID:
        return f"/{name} {rng.choice(VALID[name])}"
    parts = [rng.choice(NASTY + WORDS) for _ in range(rng.choice([0, 1, 1, 2, 3, 5, 12]))]
    if rng.random() < 0.03:
        parts.append(rng.choice(WORDS) * rng.randrange(50, 400))  # huge argument
    if rng.random() < 0.1:
        parts.append("".join(chr(rng.randrange(0x20, 0x10FFFF)) for _ in range(20)))
    return prefix + name + " " + " ".join(parts)


def check(reply: Reply | None) -> None:
    """Every rendering of the reply is valid for its platform."""
    if reply is None:
        return
    chunks = telegram_chunks(reply)
    assert chunks, "a reply must never render to nothing"
    for chunk in chunks:
        assert utf16_len(chunk) <= 4096
        assert parse_telegram_html(chunk).strip()
    for plain, html in matrix_chunks(reply):
        assert plain.strip()
        check_matrix_html(html)


def integrity(store: Store) -> None:
    """SQLite's and the FTS index's own checks pass."""
    assert [r[0] for r in store.db.execute("PRAGMA integrity_check")] == ["ok"]
    store.db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


def test_ten_thousand_generated_messages(seeded_store: Store, now: datetime) -> None:
    rng = random.Random(20251110)
    chats = [f"telegram:{i}" for i in range(5)] + ["matrix:!room:localhost"]
    articles = seeded_store.articles.count_articles()
    for _ in range(MESSAGES):
        ctx = Context(
            chat=rng.choice(chats),
            now=now,
            user="telegram:5",
            language=rng.choice([None, "de", "en", "en-GB", "xx", ""]),
            is_admin=rng.random() < 0.3,
        )
        text = message(rng)
        try:
            check(handle(text, ctx, seeded_store))
        except Exception as exc:
            raise AssertionError(f"message {text!r} broke the bot: {exc!r}") from exc
    integrity(seeded_store)
    assert seeded_store.articles.count_articles() == articles
    assert seeded_store.index.search  # the store still answers
    assert handle("/search venezuela", Context("telegram:0", now), seeded_store) is not None


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300), name=st.sampled_from(NAMES))
def test_any_unicode_argument(seeded_store: Store, now: datetime, text: str, name: str) -> None:
    check(handle(f"/{name} {text}", Context("telegram:9", now, is_admin=True), seeded_store))
    check(handle(text, Context("telegram:9", now), seeded_store))


def test_database_file_intact_after_fuzzing(db_path: object, now: datetime) -> None:
    store = Store.open(str(db_path))
    rng = random.Random(7)
    try:
        for _ in range(500):
            check(handle(message(rng), Context("telegram:1", now, is_admin=True), store))
    finally:
        store.close()
    with closing(sqlite3.connect(str(db_path))) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def telegram_chunks(reply: Reply, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """The Telegram messages the transport sends for `reply`: its split, each part's HTML."""
    return [telegram_html(part) for part in split_reply(reply, limit)]


def matrix_chunks(reply: Reply, limit: int = MATRIX_LIMIT) -> list[tuple[str, str]]:
    """The Matrix events the transport sends for `reply`: (plain, HTML) per part."""
    return [matrix_body(part) for part in split_reply(reply, limit, buttons_as_text=True)]
