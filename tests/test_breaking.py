"""Breaking stories and quiet hours: the dev day replayed, once per story and chat, held."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from types import ModuleType

import pytest

from bot.commands import Context, handle
from bot.delivery import Delivery
from bot.pushes import Outbox
from bot.quiet import parse_quiet, quiet_until
from bot.records import NewArticle, Reply
from bot.store import Storage, Store
from tests.conftest import ROOT
from tests.test_schedule import Recorder


@pytest.fixture
def store(any_store: Storage) -> Storage:
    """This module's tests run on SQLite and on PostgreSQL."""
    return any_store


DEV_DAY = Path("/work/shared/eval/stories_dev.jsonl")
CHAT = "console:anna"
OTHER = "console:ben"
# 22:00 UTC on a November night is 23:00 in Berlin, the chats' zone (no subscription).
NIGHT = datetime(2025, 11, 10, 22, 0, tzinfo=UTC)

# One event as five outlets first report it, each in its own words.
QUAKE = [
    ("dpa", "Erdbeben erschüttert Lissabon",
     "Ein Erdbeben der Stärke 6,8 hat Lissabon erschüttert."),
    ("Spiegel", "Schweres Erdbeben in Lissabon: Häuser eingestürzt",
     "In Lissabon sind nach dem Erdbeben mehrere Häuser eingestürzt, Retter suchen Verschüttete."),
    ("Zeit", "Portugal: Erdbeben der Stärke 6,8 trifft Lissabon",
     "Das Beben erschütterte Lissabon am späten Abend; die Regierung beruft einen Krisenstab ein."),
    ("FAZ", "Erdbeben in Lissabon: Regierung ruft Notstand aus",
     "Nach dem schweren Erdbeben in Lissabon hat Portugals Regierung den Notstand ausgerufen."),
    ("SZ", "Lissabon nach dem Erdbeben: Die Nacht der Retter",
     "Wie Helfer in Lissabon nach dem Erdbeben die ganze Nacht nach Verschütteten suchten."),
]  # fmt: skip
ORDINARY = [
    ("dpa", "Bahn erhöht Preise im Fernverkehr", "Die Bahn erhöht die Preise im Fernverkehr."),
    ("Kicker", "Mainz gewinnt gegen Bochum 2:1", "Mainz hat das Heimspiel gegen Bochum gewonnen."),
]


def add(store: Store, items: list[tuple[str, str, str]], at: datetime) -> list[int]:
    """Store the items as published and fetched at `at`; their ids."""
    ids = []
    for source, title, text in items:
        new = NewArticle(
            title, source, text, (text,), at, f"https://{source.lower()}.example/{title}"
        )
        status, article_id = store.articles.add_article(new, at)
        assert status == "added"
        ids.append(article_id)
    return ids


def say(store: Store, text: str, at: datetime, chat: str = CHAT) -> Reply:
    reply = handle(text, Context(chat, at), store)
    assert reply is not None
    return reply


def plain(reply: Reply) -> str:
    return "\n".join("".join(s.text for s in p) for p in reply.paragraphs)


class Bot:
    """The pushes of a running bot at chosen moments, through the one delivery."""

    def __init__(self, store: Store, recorder: Recorder | None = None) -> None:
        self.store = store
        self.recorder = recorder or Recorder()
        self.queue = Delivery({"console": self.recorder})
        self.at = NIGHT
        self.outbox = Outbox(store, self.queue, clock=lambda: self.at)

    async def poll(self, at: datetime, ids: list[int]) -> None:
        """A feed poll stored `ids` at `at`: alerts and breaking stories planned, then sent."""
        self.at = at
        await self.queue.start()
        await self.outbox.plan_alerts(ids, at)
        await self.outbox.plan_breaking(at)
        await self.outbox.send_due(at)
        await self.queue.join()

    async def tick(self, at: datetime) -> None:
        """The outbox's turn at `at` (what waited for a quiet time goes now)."""
        self.at = at
        await self.queue.start()
        await self.outbox.send_due(at)
        await self.queue.join()

    def sent(self, chat: str = CHAT) -> list[str]:
        return [text for c, text in self.recorder.sent if c == chat]


async def test_a_breaking_story_pings_once_and_only_chats_that_asked(store: Store) -> None:
    bot = Bot(store)
    say(store, "/settings eilmeldungen an", NIGHT - timedelta(days=1))
    say(store, "/start", NIGHT, chat=OTHER)
    await bot.poll(NIGHT, add(store, [*ORDINARY, QUAKE[0]], NIGHT))
    assert bot.sent() == []  # one outlet is news, not breaking news
    later = NIGHT + timedelta(minutes=25)
    await bot.poll(later, add(store, QUAKE[1:4], later))
    [message] = bot.sent()
    assert message.startswith("Eilmeldung: ")
    assert "Lissabon" in message.splitlines()[0]
    assert "Berichtet von " in message
    # Each outlet under the name a reader knows (the outlet table's display name).
    for outlet in ("dpa", "DER SPIEGEL", "ZEIT ONLINE", "FAZ"):
        assert outlet in message
    # The story grows: no second ping, now or at the next poll.
    grown = later + timedelta(minutes=30)
    await bot.poll(grown, add(store, QUAKE[4:], grown))
    await bot.poll(grown + timedelta(minutes=5), [])
    assert len(bot.sent()) == 1
    assert bot.sent(OTHER) == []
    # The next digest still lists it, with every outlet.
    digest = plain(say(store, "/digest", grown + timedelta(hours=1)))
    assert "Lissabon" in digest
    await bot.queue.stop()


async def test_a_breaking_story_in_quiet_hours_arrives_once_when_they_end(store: Store) -> None:
    bot = Bot(store)
    say(store, "/settings eilmeldungen an", NIGHT - timedelta(days=1))
    shown = plain(say(store, "/settings ruhezeit 22:00-07:00", NIGHT - timedelta(days=1)))
    assert "22:00-07:00" in shown
    say(store, "/alert bahn", NIGHT - timedelta(days=1))
    await bot.poll(NIGHT, add(store, [*ORDINARY, QUAKE[0]], NIGHT))
    later = NIGHT + timedelta(minutes=25)
    await bot.poll(later, add(store, QUAKE[1:4], later))
    grown = later + timedelta(minutes=30)
    await bot.poll(grown, add(store, QUAKE[4:], grown))
    assert bot.sent() == []  # 23:00-23:55 in Berlin: quiet
    await bot.tick(datetime(2025, 11, 11, 5, 59, tzinfo=UTC))  # 06:59 in Berlin
    assert bot.sent() == []
    end = datetime(2025, 11, 11, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
    await bot.tick(end)
    await bot.tick(end + timedelta(minutes=1))
    [message] = bot.sent()
    assert message.startswith("Während deiner Ruhezeit gekommen (2):")
    assert message.count("Eilmeldung: ") == 1
    assert "Alarm „bahn“" in message
    # After the quiet time, the next breaking story comes at once.
    await bot.poll(end + timedelta(hours=1), [])
    assert len(bot.sent()) == 1
    await bot.queue.stop()


def test_quiet_hours_over_midnight_end_in_the_chats_zone() -> None:
    assert parse_quiet("22.00 – 7.00") == "22:00-07:00"
    assert parse_quiet("22-7") == "22:00-07:00"
    assert parse_quiet("10 pm - 6:30 am") == "22:00-06:30"
    assert parse_quiet("22:00-22:00") is None
    assert parse_quiet("25:00-07:00") is None
    berlin = "Europe/Berlin"
    end = datetime(2025, 11, 11, 6, tzinfo=UTC)
    assert quiet_until("22:00-07:00", berlin, NIGHT) == end
    assert quiet_until("22:00-07:00", berlin, end - timedelta(minutes=1)) == end
    assert quiet_until("22:00-07:00", berlin, end) is None
    assert quiet_until("22:00-07:00", berlin, NIGHT - timedelta(hours=1, minutes=1)) is None
    assert quiet_until("13:00-14:00", berlin, datetime(2025, 11, 10, 12, 30, tzinfo=UTC)) == (
        datetime(2025, 11, 10, 13, tzinfo=UTC)
    )
    assert quiet_until("", berlin, NIGHT) is None


def test_settings_in_both_languages(store: Store) -> None:
    now = NIGHT
    say(store, "/settings language en", now, chat=OTHER)
    assert "report at once): yes" in plain(say(store, "/settings breaking on", now, chat=OTHER))
    shown = plain(say(store, "/settings quiet 23:00-06:30", now, chat=OTHER))
    assert "Quiet hours" in shown
    assert "23:00-06:30" in shown
    assert store.chats.settings(OTHER).breaking
    assert store.chats.settings(OTHER).quiet == "23:00-06:30"
    say(store, "/settings quiet off", now, chat=OTHER)
    assert store.chats.settings(OTHER).quiet == ""
    wrong = say(store, "/settings quiet late", now, chat=OTHER)
    assert not wrong.ok
    assert "22:00-07:00" in plain(wrong)
    say(store, "/settings eilmeldungen aus", now)
    assert not store.chats.settings(CHAT).breaking


def _replay_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "breaking_replay", ROOT / "bench" / "breaking_replay.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.integration
def test_the_dev_day_replayed_pings_its_two_sudden_big_stories_once_within_an_hour() -> None:
    if not DEV_DAY.exists():
        pytest.skip(f"{DEV_DAY} not on this machine")
    replay = _replay_module()
    articles, gold, newsworthy = replay.load(DEV_DAY)
    found = replay.replay(articles, gold)
    # Two messages that day: the bar fire in Crans-Montana (the day's biggest story, 40 items
    # from 6 outlets, 4 of them in its first minute) and Kuntz leaving HSV (5 outlets in an
    # hour). Iran's protests and the CSU's deportation plan reached 6 outlets too, but over 5 and
    # 18 hours: running stories for the digest, not breaking news.
    assert [a.story for a in found] == ["crans-montana-barbrand", "hsv-kuntz-abschied"]
    assert all(a.minutes <= 60 for a in found)
    assert "crans-montana-barbrand" in replay.biggest(articles, gold)
    assert all(newsworthy[i] for i, story in gold.items() if story in {a.story for a in found})


async def test_a_push_left_past_its_grace_is_dropped_logged_and_counted(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.ops import collect_status, render_status

    store.chats.add_alert(CHAT, ("erdbeben",), NIGHT)
    ids = add(store, QUAKE[:1], NIGHT)
    down = Bot(store)
    # The bot planned the alert and stopped before it was tried; it comes back next morning.
    assert await down.outbox.plan_alerts(ids, NIGHT) == 1
    bot = Bot(store)
    await bot.tick(NIGHT + timedelta(hours=1))
    assert len(bot.sent()) == 1  # within the grace: sent after the restart
    later = add(store, [("Spiegel", "Erdbeben in Lissabon: Häuser eingestürzt", "Ein Erdbeben.")],
                NIGHT + timedelta(hours=2))  # fmt: skip
    assert await down.outbox.plan_alerts(later, NIGHT + timedelta(hours=2)) == 1
    morning = NIGHT + timedelta(hours=9)
    await bot.tick(morning)
    assert len(bot.sent()) == 1  # too old: not sent
    assert "event=push_dropped chat=console:anna key=alert:" in caplog.text
    assert store.stats(morning).pushes_dropped_24h == 1
    shown = render_status(collect_status(store, ":memory:", morning), morning, "en")
    assert "1 dropped as too old (24 h)" in shown
    await bot.queue.stop()
    await down.queue.stop()


class Flags(Recorder):
    """Records each sent part's quiet flag beside its text."""

    def __init__(self) -> None:
        super().__init__()
        self.silent: list[tuple[str, bool | None]] = []

    async def send(self, chat: str, part: Reply, replace: str | None = None) -> None:
        await super().send(chat, part, replace)
        self.silent.append((chat, part.silent))


# Two new articles on the railway, from two outlets.
RAIL = [
    ("dpa", "Bahn streicht Verbindungen nach Hamburg", "Die Bahn streicht Verbindungen."),
    ("Kicker", "Bahn fällt aus: Mainz reist im Bus nach Bochum", "Mainz fährt ohne Bahn."),
]


async def test_a_chat_that_chose_its_outlets_gets_alerts_and_breaking_stories_from_them_only(
    store: Store,
) -> None:
    bot = Bot(store)
    before = NIGHT - timedelta(days=1)
    add(store, ORDINARY, before)  # the outlets known so far: dpa, Kicker
    for chat in (CHAT, OTHER):
        say(store, "/settings eilmeldungen an", before, chat)
        say(store, "/alert bahn", before, chat)
    assert "Kicker" in plain(say(store, "/settings quellen kicker", before))
    morning = datetime(2025, 11, 11, 9, 0, tzinfo=UTC)
    await bot.poll(morning, add(store, RAIL, morning))
    [alert] = bot.sent()
    assert "Mainz reist im Bus" in alert
    assert len(bot.sent(OTHER)) == 2
    # A story only other outlets report does not break for this chat; it does for the other.
    later = NIGHT + timedelta(days=1)
    await bot.poll(later, await store.run(partial(add, store, QUAKE, later)))
    assert len(bot.sent()) == 1
    assert sum("Eilmeldung: " in m for m in bot.sent(OTHER)) == 1
    await bot.queue.stop()


async def test_a_silent_chat_gets_alerts_and_what_waited_for_its_quiet_time_without_a_sound(
    store: Store,
) -> None:
    flags = Flags()
    bot = Bot(store, flags)
    before = NIGHT - timedelta(days=1)
    for chat in (CHAT, OTHER):
        say(store, "/alert bahn", before, chat)
    say(store, "/settings leise an", before)
    morning = datetime(2025, 11, 11, 9, 0, tzinfo=UTC)
    await bot.poll(morning, add(store, RAIL[:1], morning))
    assert dict(flags.silent) == {CHAT: True, OTHER: False}
    # What waits for the quiet time's end goes out as quietly as the chat chose.
    # The delivery's last callbacks use the store on its own thread: so does the test.
    await store.run(partial(say, store, "/settings ruhezeit 22:00-07:00", before))
    night = NIGHT + timedelta(days=1)  # 23:00 in Berlin
    await bot.poll(night, await store.run(partial(add, store, RAIL[1:], night)))
    assert len(bot.sent()) == 1
    await bot.tick(datetime(2025, 11, 12, 6, 0, tzinfo=UTC))
    assert bot.sent()[-1].startswith("Während deiner Ruhezeit gekommen (1):")
    assert flags.silent[-1] == (CHAT, True)
    await bot.queue.stop()


@pytest.mark.parametrize(
    ("change", "left", "gone"),
    [
        ("/unalert bahn", ["Eilmeldung: "], ["Alarm „bahn“"]),
        ("/settings eilmeldungen aus", ["Hamburg", "Mainz reist im Bus"], ["Eilmeldung: "]),
        ("/settings quellen kicker", ["Mainz reist im Bus"], ["Hamburg", "Eilmeldung: "]),
    ],
)
async def test_what_a_chat_withdrew_during_its_quiet_time_does_not_come_when_it_ends(
    store: Store, change: str, left: list[str], gone: list[str]
) -> None:
    bot = Bot(store)
    before = NIGHT - timedelta(days=1)
    add(store, ORDINARY, before)  # the outlets known so far: dpa, Kicker
    say(store, "/settings ruhezeit 22:00-07:00", before)
    say(store, "/settings eilmeldungen an", before)
    say(store, "/alert bahn", before)
    # 23:00 in Berlin: two railway alerts (dpa, Kicker) and a breaking story wait.
    await bot.poll(NIGHT, add(store, [*RAIL, *QUAKE[:4]], NIGHT))
    assert bot.sent() == []
    # Later that night the reader deletes the alert, turns breaking stories off or keeps to
    # one outlet: what waited for that is not theirs to get any more.
    await store.run(partial(say, store, change, NIGHT + timedelta(minutes=30)))
    end = datetime(2025, 11, 11, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
    await bot.tick(end)
    await bot.tick(end + timedelta(minutes=1))
    [message] = bot.sent()
    assert message.startswith(f"Während deiner Ruhezeit gekommen ({len(left)}):")
    assert all(text in message for text in left)
    assert not any(text in message for text in gone)
    await bot.queue.stop()


# One dpa report, carried word for word by the papers' dpa channels within minutes.
WIRE = (
    "Hannover (dpa) - Die Landesregierung in Niedersachsen hat eine neue Förderung für "
    "Wärmepumpen in Mietshäusern beschlossen. Umweltminister Meyer sagte, das Programm solle vor "
    "allem Vermietern kleiner Häuser helfen. Insgesamt stehen in den kommenden zwei Jahren 40 "
    "Millionen Euro bereit, Anträge sind ab Januar möglich. Der Verband der Wohnungswirtschaft "
    "begrüßte den Schritt, forderte aber mehr Geld."
)
WIRE_LEAD = "Die Landesregierung in Niedersachsen hat eine neue Förderung beschlossen."
CARRIERS = [
    ("dpa", "Niedersachsen fördert Wärmepumpen in Mietshäusern", "https://www.dpa.com/wp"),
    ("ZEIT ONLINE", "Niedersachsen fördert Wärmepumpen", "https://www.zeit.de/news/wp"),
    ("Süddeutsche Zeitung", "Land fördert Wärmepumpen", "https://www.sueddeutsche.de/wp"),
    ("stern", "Wärmepumpen: Land legt Förderprogramm auf", "https://www.stern.de/news/wp"),
    ("FOCUS online", "Förderprogramm für Wärmepumpen", "https://www.focus.de/wp"),
]


async def test_one_wire_report_carried_by_many_papers_is_no_eilmeldung(store: Store) -> None:
    """Copies of one agency text are one report, not five outlets taking a story up: the
    digest names every paper that carries it, an Eilmeldung needs outlets of their own."""
    bot = Bot(store)
    say(store, "/settings eilmeldungen an", NIGHT - timedelta(days=1))
    ids = []
    for n, (source, title, url) in enumerate(CARRIERS):
        at = NIGHT + timedelta(minutes=n)
        new = NewArticle(title, source, WIRE, (WIRE_LEAD,), at, url)
        ids.append((await store.run(partial(store.articles.add_article, new, at)))[1])
    assert len(set(ids)) == 1  # stored once, the other papers as its further sources
    await bot.poll(NIGHT + timedelta(minutes=6), ids)
    assert bot.sent() == []
    digest = await store.run(partial(say, store, "/digest", NIGHT + timedelta(minutes=10)))
    sources = next(line for line in plain(digest).splitlines() if line.startswith("Quellen: "))
    for outlet in ("dpa", "ZEIT ONLINE", "Süddeutsche Zeitung", "stern", "FOCUS online"):
        assert sources.count(outlet) == 1, sources
    await bot.queue.stop()


async def test_an_eilmeldung_speaks_with_the_outlets_the_chat_chose(store: Store) -> None:
    """A chat that reads dpa alone gets the breaking story as dpa told it: dpa's headline,
    sentence and `/article`, as its digest shows the story, not another outlet's newer take."""
    bot = Bot(store)
    before = NIGHT - timedelta(days=1)
    add(store, ORDINARY, before)  # the outlets known so far: dpa, Kicker
    say(store, "/settings eilmeldungen an", before)
    say(store, "/settings quellen dpa", before)
    [first] = add(store, QUAKE[:1], NIGHT)
    await bot.poll(NIGHT, [first])
    later = NIGHT + timedelta(minutes=25)
    await bot.poll(later, await store.run(partial(add, store, QUAKE[1:4], later)))
    [message] = bot.sent()
    assert message.startswith(f"Eilmeldung: {QUAKE[0][1]}"), message
    assert QUAKE[0][2] in message
    assert message.endswith(f"/article {first}"), message
    assert "Berichtet von dpa ·" in message
    digest = plain(await store.run(partial(say, store, "/digest", later)))
    assert f"1. {QUAKE[0][1]}" in digest
    assert f"/article {first}" in digest
    await bot.queue.stop()
