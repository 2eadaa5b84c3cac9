"""A day's running story takes in its follow-ups and commentary, and nothing else."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.digest import build_digests, plan_day
from bot.records import Article, ChatSettings, NewArticle
from bot.render import render_digest, to_plain
from bot.store import Store
from bot.stories import DEFAULT_TUNING, group_stories, is_secondary

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


def _articles(items: list[tuple[str, str, str]]) -> list[Article]:
    return [
        Article(n, title, source, text, (text,), DAY + timedelta(hours=n), DAY)
        for n, (source, title, text) in enumerate(items)
    ]


def _together(groups: list[tuple[Article, ...]], a: str, b: str) -> bool:
    """True when the articles whose titles start with `a` and `b` are in one group."""
    return any(
        any(x.title.startswith(a) for x in g) and any(x.title.startswith(b) for x in g)
        for g in groups
    )


# Follow-ups that name the fire only in compounds, the night and the country: no "Crans-Montana",
# no "Bar".
FOLLOW_UPS = [
    ("BILD", "Brandopfer ausgeflogen: Schwerverletzte werden in Deutschland behandelt",
     "Drei Schwerverletzte der Silvesternacht aus der Schweiz werden in deutschen Kliniken "
     "versorgt. Sie erlitten schwerste Verbrennungen."),
    ("Frankfurter Rundschau", "Brandursache: Behörden vermuten Wunderkerzen",
     "Die Behörden in der Schweiz halten Feuerwerk an Champagnerflaschen in der Silvesternacht "
     "für den Auslöser."),
]  # fmt: skip


# Two more outlets' reports: the fire is the day's big story.
MORE = [
    ("NDR", "Crans-Montana: Brand in der Silvesternacht – Schweiz trauert",
     "Nach dem Brand in einer Bar in Crans-Montana in der Silvesternacht trauert die Schweiz."),
    ("WELT", "Silvesternacht in Crans-Montana: Was über den Brand bekannt ist",
     "In der Silvesternacht brach in einer Bar in Crans-Montana in der Schweiz ein Feuer aus."),
]  # fmt: skip


def test_follow_ups_naming_the_fire_in_compounds_and_its_country_join_it() -> None:
    day = [*ITEMS, *MORE, *FOLLOW_UPS]
    groups = group_stories(_articles(day))
    for title, *_ in ((t, s) for s, t, _ in FOLLOW_UPS):
        assert _together(groups, "Brand in Bar in Crans-Montana", title)
    assert not _together(groups, "Brand in Bar in Crans-Montana", "Lawine verschüttet")
    # Each of the two readings is needed: a compound's part, and a common word as a name.
    for off in ({"compound_names": False}, {"common_names": False}):
        apart = group_stories(_articles(day), replace(DEFAULT_TUNING, **off))
        assert not all(
            _together(apart, "Brand in Bar in Crans-Montana", t) for _, t, _ in FOLLOW_UPS
        )


# A second running story, and a morning briefing that names both.
TAXES = [
    ("dpa", "Russland erhöht Steuern für den Krieg gegen die Ukraine",
     "Der Kreml erhöht die Mehrwertsteuer, um den Krieg gegen die Ukraine zu bezahlen."),
    ("DER SPIEGEL", "Mehrwertsteuer: Putin lässt Russen für den Krieg zahlen",
     "Russland hebt die Mehrwertsteuer an, der Kreml braucht Geld für den Krieg."),
    ("ZEIT ONLINE", "Kreml: Höhere Mehrwertsteuer in Russland seit Neujahr",
     "Seit dem 1. Januar gilt in Russland eine höhere Mehrwertsteuer; der Kreml finanziert so "
     "den Krieg."),
]  # fmt: skip
BRIEFING = (
    "DER SPIEGEL",
    "Die Lage am Morgen: Wie Putin sein eigenes Volk betrügt",
    "Russland erhöht für den Krieg die Steuern. Die Feuertragödie in der Schweiz. Und: ein "
    "Gespräch über Ängste. Das ist die Lage am Freitagmorgen.",
)


def test_a_briefing_naming_two_running_stories_joins_neither() -> None:
    groups = group_stories(_articles([*ITEMS, *TAXES, BRIEFING]))
    assert _together(groups, "Russland erhöht Steuern", "Kreml: Höhere Mehrwertsteuer")
    assert not _together(groups, "Brand in Bar in Crans-Montana", "Die Lage am Morgen")
    assert not _together(groups, "Russland erhöht Steuern", "Die Lage am Morgen")


# Two crimes around bank safe deposit boxes are two stories.
BREAK_IN = [
    ("dpa", "Bankeinbruch in Gelsenkirchen: Täter plündern Hunderte Schließfächer",
     "Unbekannte sind in den Tresorraum einer Sparkasse in Gelsenkirchen eingebrochen und haben "
     "Hunderte Schließfächer aufgebrochen."),
    ("WDR", "Sparkassen-Coup in Gelsenkirchen: Polizei sucht die Tresorknacker",
     "Nach dem Einbruch in die Sparkasse in Gelsenkirchen wertet die Polizei Hinweise aus; aus "
     "den Schließfächern fehlen Millionen."),
    ("BILD", "Schließfächer geplündert: Kunden der Sparkasse Gelsenkirchen bangen",
     "Die Kunden der Sparkasse in Gelsenkirchen wissen nicht, was aus ihren Schließfächern "
     "fehlt. Die Täter bohrten sich in den Tresorraum."),
]  # fmt: skip
OTHER_CRIME = (
    "Süddeutsche Zeitung",
    "Ermittlungen gegen Ex-Bankvize im Allgäu: Wer öffnete das Schließfach?",
    "Goldmünzen einer Rentnerin verschwanden aus ihrem Fach bei der Sparkasse; ermittelt wird "
    "gegen den früheren Vize-Chef.",
)


def test_a_who_question_about_another_crime_stays_its_own_story() -> None:
    groups = group_stories(_articles([*BREAK_IN, OTHER_CRIME]))
    assert _together(groups, "Bankeinbruch in Gelsenkirchen", "Schließfächer geplündert")
    assert not _together(groups, "Bankeinbruch in Gelsenkirchen", "Ermittlungen gegen")
    assert not is_secondary(OTHER_CRIME[1])
    # A maxim is a comment's form; a question about how or why is an explainer's.
    assert is_secondary("MeinungVermögen der Deutschen: Wer so spart, ist dumm")
    assert is_secondary("Wer Feuerwerk verbieten will, der trifft die Falschen")
    assert is_secondary("Bankeinbruch: Wie sicher ist mein Schließfach?")


def test_a_comment_named_by_its_own_kicker_field_gets_the_relief() -> None:
    """A page dump's kicker ("Meinung") is its own field: it names the form as "Kommentar:"
    in a feed title does, so the comment joins the fire with one name fewer."""
    plain = "Die Party ist vorbei"
    text = (
        "Feuerwerk in Innenräumen, fehlende Notausgänge: Was in der Silvesternacht in der Bar "
        "geschah, darf sich nicht wiederholen, meint unser Autor."
    )
    arts = _articles([*ITEMS[:4], ("BILD", plain, text), ITEMS[5]])
    assert not _together(group_stories(arts), "Brand in Bar in Crans-Montana", plain)
    arts[4] = replace(arts[4], kicker="Meinung")
    assert _together(group_stories(arts), "Brand in Bar in Crans-Montana", plain)
