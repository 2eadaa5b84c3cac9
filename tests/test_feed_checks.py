"""A feed is fetched once when it is added: each refused URL gets its own answer.

In chat (/addfeed over the fake Bot API) and on the command line (`feeds add`, `ingest`),
in German and English, against a news site on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import io
import random
from collections.abc import AsyncIterator
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio

from bot.allowed_urls import Allowed
from bot.cli import main
from bot.config import Config
from bot.ingest.feeds import check_feed
from bot.ingest.fetch import Fetcher, FetchOptions
from bot.store import Store
from tests.conftest import running
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.feed_site import FeedSite, german_text
from tests.i18n import foreign_words
from tests.test_telegram import ADMIN, ask, make_transport

pytestmark = pytest.mark.integration
LOOPBACK = {"NEWSBOT_FETCH_ALLOW": "127.0.0.1"}
OPERATOR = int(ADMIN.removeprefix("telegram:"))


class Cli:
    """`newsbot` run in-process (on a worker thread: it runs its own event loop)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, db: Path, env: dict[str, str]) -> None:
        monkeypatch.setenv("NEWSBOT_DB", str(db))
        monkeypatch.setenv("NEWSBOT_CONFIG", "")
        for key, value in env.items():
            monkeypatch.setenv(key, value)

    async def __call__(self, *args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()

        def run() -> int:
            with redirect_stdout(out), redirect_stderr(err):
                return main(list(args))

        code = await asyncio.to_thread(run)
        return code, out.getvalue(), err.getvalue()


@pytest_asyncio.fixture
async def feed_site() -> AsyncIterator[FeedSite]:
    site = await FeedSite().start()
    site.publish(
        "haushalt",
        "Kanzler verteidigt den Haushalt",
        german_text(random.Random(3), 150),
        datetime.now(UTC),
    )
    yield site
    await site.stop()


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/feed.xml", None),
        ("/artikel/haushalt.html", "not_feed"),  # an HTML page answering 200
        ("/wartung.xml", "not_feed"),
        ("/fehlt.xml", "missing"),
        ("/slow.xml", "timeout"),
    ],
)
async def test_one_fetch_tells_a_feed_from_what_is_not_one(
    feed_site: FeedSite, path: str, problem: str | None
) -> None:
    options = FetchOptions(deadline=1.0, allowed=Allowed.parse(["127.0.0.1"]))
    async with Fetcher(options) as fetcher:
        check = await check_feed(fetcher, feed_site.url(path))
    assert check.problem == problem
    if problem is None:
        assert check.title == "Testnachrichten"


CHAT_STEPS = {
    "de": [
        ("/addfeed tagesschau", "„tagesschau“: das ist keine URL"),
        ("/addfeed {site}/artikel/haushalt.html", "Diesen Feed trage ich nicht ein: kein RSS/Atom"),
        ("/addfeed {site}/fehlt.xml", "diese Adresse gibt es nicht (HTTP 404)"),
        ("/addfeed {site}/feed.xml", "Feed 1 eingetragen: {site}/feed.xml"),
        (
            "/addfeed {site}/feed.xml",
            "Diesen Feed trage ich nicht ein: schon eingetragen als Feed 1",
        ),
    ],
    "en": [
        ("/addfeed tagesschau", "“tagesschau”: that is not a URL"),
        ("/addfeed {site}/artikel/haushalt.html", "I won't add this feed: not an RSS/Atom feed"),
        ("/addfeed {site}/fehlt.xml", "there is no such address (HTTP 404)"),
        ("/addfeed {site}/feed.xml", "Feed 1 added: {site}/feed.xml"),
        ("/addfeed {site}/feed.xml", "I won't add this feed: already added as feed 1"),
    ],
}


@pytest.mark.parametrize("language", ["de", "en"])
async def test_addfeed_in_chat_answers_each_refused_url_in_the_readers_language(
    bot_api: FakeBotAPI, store: Store, now: datetime, feed_site: FeedSite, language: str
) -> None:
    config = Config(admins=(ADMIN,), fetch_allow=("127.0.0.1",))
    async with running(make_transport(bot_api, store), store, now, config):
        for text, expected in CHAT_STEPS[language]:
            site = feed_site.base
            answer = await ask(
                bot_api, text.format(site=site), OPERATOR, user_id=OPERATOR, language_code=language
            )
            assert expected.format(site=site) in answer.visible, (text, answer.visible)
            assert not foreign_words(answer.visible.replace(site, ""), language), answer.visible
    assert [f.title for f in store.feeds.all()] == ["Testnachrichten"]


@pytest.mark.parametrize(
    ("language", "says"),
    [
        (
            "de",
            {
                "url": "„tagesschau.de/rss“ abgelehnt: das ist keine URL",
                "html": "abgelehnt: kein RSS/Atom-Feed",
                "missing": "abgelehnt: diese Adresse gibt es nicht (HTTP 404)",
                "duplicate": "abgelehnt: schon eingetragen als Feed 1",
            },
        ),
        (
            "en",
            {
                "url": "refused “tagesschau.de/rss”: that is not a URL",
                "html": ": not an RSS/Atom feed",
                "missing": ": there is no such address (HTTP 404)",
                "duplicate": ": already added as feed 1",
            },
        ),
    ],
)
async def test_feeds_add_fetches_once_and_refuses_each_kind_of_bad_url(
    db_path: Path,
    feed_site: FeedSite,
    monkeypatch: pytest.MonkeyPatch,
    language: str,
    says: dict[str, str],
) -> None:
    cli = Cli(monkeypatch, db_path, {**LOOPBACK, "NEWSBOT_LANGUAGE": language})

    async def add(*urls: str) -> tuple[int, str]:
        code, out, err = await cli("feeds", "add", *urls)
        return code, out + err

    good = feed_site.url("/feed.xml")
    assert await add(good) == (0, f"   1 {good}\n")
    heard = {
        "url": await add("tagesschau.de/rss"),
        "html": await add(feed_site.url("/artikel/haushalt.html")),
        "missing": await add(feed_site.url("/fehlt.xml")),
        "duplicate": await add(good),
    }
    for name, expected in says.items():
        code, text = heard[name]
        assert code != 0, (name, text)
        assert expected in text, (name, text)
        assert not foreign_words(text.replace(feed_site.base, ""), language), text
    _, listed, _ = await cli("feeds", "list")
    assert listed.count("http") == 1  # only the feed


@pytest.mark.parametrize(
    ("language", "not_url", "not_feed"),
    [
        ("de", "das ist keine URL", "(kein RSS/Atom-Feed"),
        ("en", "that is not a URL", "(not an RSS/Atom feed"),
    ],
)
async def test_ingest_refuses_a_web_page_and_a_typed_address_without_http(
    db_path: Path,
    feed_site: FeedSite,
    monkeypatch: pytest.MonkeyPatch,
    language: str,
    not_url: str,
    not_feed: str,
) -> None:
    cli = Cli(monkeypatch, db_path, {**LOOPBACK, "NEWSBOT_LANGUAGE": language})
    code, out, _ = await cli("ingest", feed_site.url("/artikel/haushalt.html"))
    assert code == 1
    assert not_feed in out
    code, _, err = await cli("ingest", "www.tagesschau.de/rss")
    assert code == 2
    assert not_url in err
    _, listed, _ = await cli("feeds", "list")
    # Nothing was added, and the empty list says how to add a feed.
    assert "newsbot feeds add https://www.tagesschau.de/xml/rss2" in listed
    assert listed.count("http") == 1
