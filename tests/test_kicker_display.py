"""The kicker a reader sees: the label above a headline ("Bundesliga, 13. Spieltag") stands on
its own line above the entry's headline in the digest and in `/article`, before the headline in
a search hit, `/latest` and an Eilmeldung, on Telegram, Matrix and the console, in German and
English. `ingest --jsonl` items may carry one. A site's navigation ("Startseite", "Über uns",
"English", a menu's "Zurück zur Übersicht"), a call to the reader, a date or the site's own
name above the headline is no kicker."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.breaking import breaking_reply
from bot.commands import Context, handle
from bot.digest import StoryPool, plan_recent, to_story
from bot.ingest.article import to_article
from bot.ingest.files import ingest_paths
from bot.records import Reply
from bot.render import TELEGRAM_LIMIT, matrix_body, split_reply, telegram_html, to_plain
from bot.store import Storage
from tests.conftest import newsbot

NOW = datetime(2026, 12, 6, 19, 0, tzinfo=UTC)
KICKER = "Bundesliga, 13. Spieltag"
HEADLINE = "Leverkusen dreht das Spiel gegen Freiburg in der Nachspielzeit"

TEXT = """Bayer Leverkusen hat einen späten Sieg gegen den SC Freiburg gefeiert. Nach einem \
Rückstand zur Pause gewann die Mannschaft vor 30.000 Zuschauern in der BayArena noch mit 2:1.

Die Freiburger gingen in der 31. Minute durch einen Kopfball von Matthias Ginter in Führung. \
Leverkusen tat sich lange schwer, gegen die kompakt stehenden Gäste Chancen herauszuspielen.

Nach dem Seitenwechsel erhöhte Leverkusen den Druck. Patrik Schick glich in der 67. Minute aus. \
In der vierten Minute der Nachspielzeit traf der eingewechselte Victor Boniface zum Sieg.
"""


def page(above: str, headline: str = HEADLINE) -> str:
    """A page dump: navigation, the line right above the headline, a date line, the text."""
    return f"Startseite\n\nFußball\n\n{above}\n\n{headline}\n\n06.12.2026, 17:45 Uhr\n\n{TEXT}"


@pytest.fixture
def store(any_store: Storage) -> Storage:
    """Shown the same on SQLite and on PostgreSQL."""
    return any_store


def ask(store: Storage, text: str, chat: str = "telegram:1", language: str = "de") -> Reply:
    if language == "en":
        handle("/language en", Context(chat, NOW, chat.replace(":1", ":5")), store)
    reply = handle(text, Context(chat, NOW, chat.replace(":1", ":5")), store)
    assert isinstance(reply, Reply)
    return reply


def shown_everywhere(reply: Reply) -> list[str]:
    """The reply as the console, Telegram and Matrix (plain body and HTML) show it."""
    parts = split_reply(reply, TELEGRAM_LIMIT)
    return [
        to_plain(reply),
        "\n\n".join(telegram_html(p) for p in parts),
        *("".join(matrix_body(p)[0] for p in parts), "".join(matrix_body(p)[1] for p in parts)),
    ]


def ingest(store: Storage, folder: Path, pages: dict[str, str]) -> None:
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    results = list(ingest_paths(store, [folder], NOW, workers=0))
    assert [r.status for r in results] == ["added"] * len(pages), results


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_digest_and_article_show_the_kicker_above_the_headline(
    store: Storage, tmp_path: Path, language: str
) -> None:
    ingest(store, tmp_path, {"kicker-leverkusen.txt": page(KICKER)})
    for chat in ("telegram:1", "matrix:1"):
        digest = ask(store, "/digest", chat, language)
        for shown in shown_everywhere(digest):
            # Its own line above the numbered headline: "1. Bundesliga" would be the first division.
            assert KICKER in shown
            assert "1. Bundesliga" not in shown
            assert shown.index(KICKER) < shown.index(HEADLINE)
        plain = to_plain(digest)
        assert f"{KICKER}\n1. {HEADLINE}" in plain
        (article,) = store.articles.latest(5)
        full = ask(store, f"/article {article.id}", chat, language)
        for shown in shown_everywhere(full):
            assert shown.index(KICKER) < shown.index(HEADLINE)
        assert to_plain(full).startswith(f"{KICKER}\n{HEADLINE}")
        telegram = telegram_html(split_reply(full, TELEGRAM_LIMIT)[0])
        assert telegram.startswith(f"{KICKER}\n<a href=") or telegram.startswith(f"{KICKER}\n<b>")
        assert f"{KICKER}<br>" in matrix_body(split_reply(full, TELEGRAM_LIMIT)[0])[1]


@pytest.mark.parametrize("language", ["de", "en"])
def test_search_hits_and_latest_set_the_kicker_before_the_headline(
    store: Storage, tmp_path: Path, language: str
) -> None:
    ingest(store, tmp_path, {"kicker-leverkusen.txt": page(KICKER)})
    for command in ("/search Bundesliga", "/latest"):
        for shown in shown_everywhere(ask(store, command, "telegram:1", language)):
            assert f"{KICKER} · " in shown
            assert shown.index(KICKER) < shown.index(HEADLINE)


def test_an_eilmeldung_names_the_kicker(store: Storage, tmp_path: Path) -> None:
    ingest(store, tmp_path, {"kicker-leverkusen.txt": page(KICKER)})
    group = store.articles.latest(5)
    story = to_story(group, 1)
    assert story.kicker == KICKER
    for language in ("de", "en"):
        assert f"{KICKER} · {HEADLINE}" in to_plain(breaking_reply(story, language))


def test_an_entry_without_a_kicker_reads_as_before(store: Storage, tmp_path: Path) -> None:
    ingest(store, tmp_path, {"leverkusen.txt": page("Sie sind hier: Startseite > Sport")})
    plain = to_plain(ask(store, "/digest"))
    assert f"\n1. {HEADLINE}" in plain
    assert " · " not in plain.split("1. ", 1)[1].split("\n", 1)[0]


# Lines that stand right above a headline on our own pages but are the site's navigation, a call
# to the reader, a date or the site's name.
NAVIGATION = [
    "English",
    "Über uns",
    "Startseite",
    "Zurück zur Übersicht",
    "Kommende Events",
    "Weitere Artikel",
    "Leichte Sprache",
    "Politik",
    "Schließe dich 600 Followern an",
    "Aktuelles zum Strafprozessrecht",
    "Mehr aus Hamburg",
    "Endpreis zzgl. Versandkosten",
    "SPIEGEL+",
    "SZ Plus",
    "WELTplus",
]
# Kickers German outlets set above a headline: a topic, a place list, a form, a match day.
KICKERS = [
    KICKER,
    "Krieg in der Ukraine",
    "USA, Venezuela",
    "Analyse",
    "Tarifstreit",
    "Olympische Winterspiele",
    "Wahl in Thüringen",
]


@pytest.mark.parametrize("label", NAVIGATION)
def test_navigation_above_the_headline_is_no_kicker(label: str) -> None:
    article = to_article(page(label), origin="page.txt")
    assert article.title == HEADLINE
    assert article.kicker == ""


@pytest.mark.parametrize("label", KICKERS)
def test_a_topic_or_form_above_the_headline_is_the_kicker(label: str) -> None:
    article = to_article(page(label), origin="page.txt")
    assert article.title == HEADLINE
    assert article.kicker == label


def test_the_sites_own_name_above_the_headline_is_no_kicker() -> None:
    url = "https://columbus-entdeckt.de/ski-fahren-leverkusen"
    assert to_article(page("Columbus entdeckt"), origin=url, url=url).kicker == ""
    assert to_article(page("Tagesschau"), origin="t.txt", source="tagesschau").kicker == ""
    assert to_article(page("Columbus entdeckt"), origin="page.txt").kicker == "Columbus entdeckt"


def test_ingest_jsonl_items_carry_their_kicker(db_path: Path) -> None:
    when = (NOW - timedelta(hours=1)).isoformat()
    items = [
        {"id": "a", "title": HEADLINE, "text": TEXT.split("\n\n")[0], "kicker": KICKER},
        {
            "id": "b",
            "title": "Stadtrat beschließt Haushalt",
            "text": "Köln plant neu.",
            "kicker": "Über uns",
        },
        {"id": "c", "title": "Bahn nimmt Fernverkehr wieder auf", "text": "Züge rollen."},
        {"id": "d", "title": "Kaputt", "text": "x", "kicker": 5},
    ]
    for item in items:
        item |= {"source": "dpa", "published": when}
    stdin = "\n".join(json.dumps(item, ensure_ascii=False) for item in items) + "\n"
    result = newsbot("ingest", "--jsonl", db=db_path, stdin=stdin)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("status") for r in rows[:3]] == ["added"] * 3
    assert "kicker" in rows[3]["error"]
    found = newsbot("search", "Bundesliga", db=db_path)
    assert f"{KICKER} · {HEADLINE}" in found.stdout
    exported = [json.loads(x) for x in newsbot("export", db=db_path).stdout.splitlines()]
    assert {x["title"]: x["kicker"] for x in exported} == {
        HEADLINE: KICKER,
        "Stadtrat beschließt Haushalt": "",  # navigation, dropped as from a page
        "Bahn nimmt Fernverkehr wieder auf": "",
    }


def test_stories_jsonl_takes_a_kicker(db_path: Path) -> None:
    line = {"id": "a", "title": HEADLINE, "text": "Leverkusen gewinnt.", "kicker": KICKER}
    result = newsbot("stories", "--jsonl", db=db_path, stdin=json.dumps(line) + "\n")
    assert json.loads(result.stdout) == {"id": "a", "story": "s1"}
    bad = newsbot("stories", "--jsonl", db=db_path, stdin=json.dumps(line | {"kicker": 1}) + "\n")
    assert "kicker" in json.loads(bad.stdout)["error"]


def test_the_digest_json_names_the_kicker(store: Storage, tmp_path: Path) -> None:
    ingest(store, tmp_path, {"kicker-leverkusen.txt": page(KICKER)})
    pool = StoryPool.of(store.articles.articles_since(NOW - timedelta(days=1)))
    digest = pool.cut(plan_recent(NOW, "Europe/Berlin"), NOW)
    assert digest.stories[0].kicker == KICKER


def test_a_kicker_the_headline_opens_with_is_not_shown_twice(db_path: Path) -> None:
    when = (NOW - timedelta(hours=1)).isoformat()
    item = {"id": "a", "title": f"Sturmtief Xenia: {HEADLINE}", "text": "Leverkusen gewinnt.",
            "kicker": "Sturmtief Xenia", "source": "dpa", "published": when}  # fmt: skip
    newsbot("ingest", "--jsonl", db=db_path, stdin=json.dumps(item) + "\n")
    found = newsbot("search", "Leverkusen", db=db_path).stdout
    assert f"] Sturmtief Xenia: {HEADLINE} — dpa" in found
    assert found.count("Sturmtief Xenia") == 1
