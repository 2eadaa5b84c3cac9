"""A day's running story takes in its follow-ups and commentary, and nothing else."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.digest import build_digests, plan_day
from bot.records import Article, ChatSettings, NewArticle
from bot.render import render_digest, to_plain
from bot.store import Store
from bot.stories import DEFAULT_TUNING, group_stories

DAY = datetime(2026, 1, 2, 6, 0, tzinfo=UTC)

ITEMS = [
    ("dpa", "Brand in Bar in Crans-Montana: Viele Tote in der Silvesternacht",
     "In einer Bar im Schweizer Skiort Crans-Montana sind bei einem Brand in der Silvesternacht "
     "zahlreiche Menschen ums Leben gekommen."),
    ("Süddeutsche Zeitung", "Schweiz: Feuer in Bar in Crans-Montana – Ermittler suchen Ursache",
     "Nach dem verheerenden Brand in der Bar in Crans-Montana im Wallis suchen die Ermittler "
     "nach der Ursache. Die Schweiz steht unter Schock."),
    ("DER SPIEGEL", "Crans-Montana: Trauer nach dem Brand in der Bar »Le Constellation«",
     "Nach dem Brand in der Silvesternacht legen Menschen in Crans-Montana Blumen nieder. Die "
     "Schweiz trauert um die Opfer."),
    ("ZEIT ONLINE", "Crans-Montana: Polizei identifiziert Opfer des Barbrands",
     "Die Polizei im Wallis hat fast alle Opfer des Brandes in der Bar von Crans-Montana "
     "identifiziert, unter ihnen viele junge Menschen aus der Schweiz und aus Italien."),
    # A commentary that names the story's places but not its headline words.
    ("BILD", "Kommentar: Die Party ist vorbei",
     "Feuerwerk in Innenräumen, fehlende Notausgänge, überforderte Betreiber: Was in der "
     "Silvesternacht in der Bar im Wallis geschah, darf sich nicht wiederholen. Die Gemeinden "
     "müssen endlich jeden Club kontrollieren, meint unser Autor."),
    # Another story in the same country: not the fire.
    ("FAZ", "Lawine verschüttet Skifahrer im Wallis",
     "Im Schweizer Kanton Wallis hat eine Lawine zwei Skifahrer abseits der Piste verschüttet, "
     "einer wurde schwer verletzt geborgen."),
]  # fmt: skip


def _store(store: Store) -> None:
    for n, (source, title, text) in enumerate(ITEMS):
        at = DAY + timedelta(hours=n)
        url = f"https://example.org/{n}"
        store.articles.add_article(NewArticle(title, source, text, (text,), at, url), at)


def test_a_commentary_joins_the_running_story_and_another_swiss_story_stays_apart(
    store: Store,
) -> None:
    _store(store)
    plan = plan_day(DAY.date(), "Europe/Berlin", ChatSettings(language="de"))
    digest = build_digests(store, {"": plan}, DAY + timedelta(hours=12))[""]
    shown = to_plain(render_digest(digest, "de", calendar_day=True))
    fire = next(s for s in digest.stories if "Crans-Montana" in s.headline)
    assert {link.name for link in fire.links} >= {"dpa", "BILD", "ZEIT ONLINE"}
    assert "FAZ" not in {link.name for link in fire.links}
    assert "Lawine verschüttet Skifahrer im Wallis" in shown
    assert len(digest.stories) == 2


def test_without_the_running_story_rule_the_commentary_stands_alone() -> None:
    """The rule is what joins it (so the test above cannot pass by the cosine alone)."""
    articles = [
        Article(n, title, source, text, (text,), DAY + timedelta(hours=n), DAY)
        for n, (source, title, text) in enumerate(ITEMS)
    ]
    off = replace(DEFAULT_TUNING, running_outlets=len(ITEMS) + 1)
    assert len(group_stories(articles, off)) == 3
    assert len(group_stories(articles)) == 2
