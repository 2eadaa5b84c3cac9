"""Same-story grouping: one event's reports merge as they arrive; near misses stay apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.ingest.files import ingest_paths
from bot.records import Article
from bot.store import Store
from bot.stories import group_stories, is_kicker, is_secondary, plain_headline
from tests.conftest import SEEDS
from tests.test_digest import build_digest

NOW = datetime(2025, 11, 10, 12, tzinfo=UTC)


def art(i: int, title: str, *summary: str, source: str = "x") -> Article:
    return Article(i, title, source, " ".join(summary), summary, NOW, NOW)


NEAR_MISSES = [
    art(10, "Trump kokettiert in Post: «amtierender Präsident Venezuelas»",
        "Nun macht Präsident Trump - vermutlich scherzhaft - eine Ansage.",
        "Wer hat in Venezuela nach dem Angriff des US-Militärs das Sagen?"),
    art(11, "Merz rechnet mit US-Beteiligung an Nato-Schutz für Grönland",
        "Als Reaktion schlagen europäische Partner eine stärkere Nato-Präsenz in der Arktis vor.",
        "Jetzt äußert sich der Kanzler erstmals öffentlich dazu.", source="dpa"),
    art(12, "Europa sucht Ausweg aus Grönland-Konflikt - Trump unbeirrt",
        "Als Reaktion schlagen europäische Partner eine stärkere Nato-Präsenz in der Arktis vor.",
        "Der US-Präsident gibt sich unbeeindruckt. Trump will Grönland.", source="ZDF"),
    art(13, "Venezuela gewinnt Baseball-Finale gegen Kuba",
        "Die Nationalmannschaft Venezuelas hat das Finale der Karibik-Serie in Miami gewonnen.",
        "Präsident Maduro gratulierte dem Team. In den USA wurde das Spiel live übertragen."),
]  # fmt: skip


def seeds(store: Store) -> list[Article]:
    list(ingest_paths(store, [SEEDS], NOW))
    return store.articles.latest(10)


def test_the_two_seeds_are_one_story(store: Store) -> None:
    groups = group_stories(seeds(store))
    assert len(groups) == 1
    assert {a.source for a in groups[0]} == {"dpa", "TKP"}


def test_same_country_other_event_stays_apart(store: Store) -> None:
    groups = group_stories([*seeds(store), *NEAR_MISSES])
    ids = sorted(sorted(a.id for a in g) for g in groups)
    assert [1, 2] in ids
    assert [10] in ids
    assert [13] in ids
    assert [11, 12] in ids


def test_empty_and_single() -> None:
    assert group_stories([]) == []
    assert group_stories(NEAR_MISSES[:1]) == [(NEAR_MISSES[0],)]


def teaser(i: int, title: str, text: str, source: str, hours: float = 0) -> Article:
    """A feed item: title and teaser, the teaser its body and summary."""
    when = NOW - timedelta(hours=hours)
    return Article(i, title, source, text, (text,), when, when)


def together(groups: list[tuple[Article, ...]], *ids: int) -> bool:
    return any({a.id for a in g} >= set(ids) for g in groups)


DORTMUND = "Borussia Dortmund"
TWO_MATCHES = [
    teaser(20, "Bundesliga: Dortmund gewinnt gegen Leverkusen mit 3:1",
           f"{DORTMUND} gewinnt das Topspiel gegen Bayer Leverkusen. Guirassy trifft doppelt.",
           "dpa"),
    teaser(21, "BVB schlägt Leverkusen: Guirassy trifft doppelt beim 3:1",
           "Dortmund siegt im Topspiel gegen Leverkusen, Guirassy trifft zweimal.", "kicker"),
    teaser(22, "DFB-Pokal: Dortmund scheitert in Freiburg im Elfmeterschießen",
           f"{DORTMUND} ist im Pokal-Achtelfinale beim SC Freiburg ausgeschieden.", "dpa"),
    teaser(23, "Pokal-Aus für den BVB: Freiburg gewinnt das Elfmeterschießen",
           "Der SC Freiburg wirft Dortmund aus dem Pokal, Atubolu hält zwei Elfmeter.",
           "Spiegel"),
]  # fmt: skip

TWO_RULINGS = [
    teaser(30, "Bundesverfassungsgericht kippt Wahlrechtsreform teilweise",
           "Karlsruhe erklärt die Streichung der Grundmandatsklausel für verfassungswidrig.",
           "dpa"),
    teaser(31, "Karlsruhe: Grundmandatsklausel bleibt – Wahlrecht teilweise verfassungswidrig",
           "Das Bundesverfassungsgericht beanstandet die Wahlrechtsreform der Ampel.", "SZ"),
    teaser(32, "Bundesverfassungsgericht billigt Solidaritätszuschlag",
           "Karlsruhe weist die Verfassungsbeschwerde gegen den Solidaritätszuschlag ab.", "dpa"),
    teaser(33, "Soli bleibt: Karlsruhe weist Klage gegen Solidaritätszuschlag ab",
           "Das Bundesverfassungsgericht hält den Solidaritätszuschlag für verfassungsgemäß.",
           "FAZ"),
]  # fmt: skip


def test_two_matches_of_one_club_stay_apart() -> None:
    groups = group_stories(TWO_MATCHES)
    assert together(groups, 20, 21)
    assert together(groups, 22, 23)
    assert not together(groups, 20, 22)


def test_two_court_rulings_stay_apart() -> None:
    groups = group_stories(TWO_RULINGS)
    assert together(groups, 30, 31)
    assert together(groups, 32, 33)
    assert not together(groups, 30, 32)


GROWING = [
    teaser(40, "Brand in Crans-Montana: Viele Tote in Bar im Schweizer Skiort",
           "In der Silvesternacht bricht in einer Bar in Crans-Montana ein Feuer aus.", "dpa", 20),
    teaser(41, "Feuer in Crans-Montana: Behörden sprechen von rund 40 Toten",
           "Die Walliser Polizei meldet rund 40 Tote nach dem Brand in der Bar in Crans-Montana.",
           "SZ", 16),
    teaser(42, "Brandkatastrophe in Crans-Montana: Identifizierung der Opfer dauert Tage",
           "Die Opfer des Feuers in der Bar in Crans-Montana sind schwer zu identifizieren.",
           "FAZ", 12),
    teaser(43, "Crans-Montana: Ermittler sehen Feuerfontänen als Brandursache",
           "Wunderkerzen auf Champagnerflaschen lösten das Feuer in der Bar in Crans-Montana aus.",
           "Zeit", 8),
    teaser(44, "Nach dem Brand von Crans-Montana: Betreiber der Bar äußern sich",
           "Das Betreiber-Ehepaar der Bar in Crans-Montana ist nach dem Feuer am Boden zerstört.",
           "Bild", 2),
]  # fmt: skip


def test_a_growing_story_keeps_its_identity_over_the_day() -> None:
    """As the day's reports arrive, each new one joins the story; none splits it."""
    others = [*TWO_MATCHES, *TWO_RULINGS]
    for k in range(2, len(GROWING) + 1):
        groups = group_stories([*others, *GROWING[:k]])
        assert together(groups, *(a.id for a in GROWING[:k])), k
        story = next(g for g in groups if GROWING[0] in g)
        assert {a.id for a in story} == {a.id for a in GROWING[:k]}


def test_full_pages_of_one_event_merge_and_teasers_of_one_topic_do_not(store: Store) -> None:
    groups = group_stories([*seeds(store), *TWO_MATCHES, *TWO_RULINGS, *NEAR_MISSES])
    assert together(groups, 1, 2)
    assert not together(groups, 20, 22)
    assert not together(groups, 30, 32)


def test_kicker_headlines_are_recognised_and_cleaned() -> None:
    assert is_kicker("Livestream: USA und Venezuela: Jetzt live: Trump spricht")
    assert is_kicker("Rhein-Main-Liveblog: Hessen erwartet winterliche Tage")
    assert is_kicker("Kommentar: Ans Söder-Wunder muss man glauben")
    assert is_kicker("MeinungIran: Diesmal könnte es wirklich ernst werden")
    assert not is_kicker("Brand in Crans-Montana: Identifizierung der Opfer beginnt")
    assert (
        plain_headline("Livestream: USA und Venezuela: Jetzt live: Trump spricht")
        == "USA und Venezuela: Trump spricht"
    )
    assert plain_headline("MeinungIran: Diesmal wird es ernst") == "Iran: Diesmal wird es ernst"
    assert plain_headline("Liveblog") == "Liveblog"


def test_an_entry_leads_with_a_plain_headline_and_lists_each_outlet_once() -> None:
    live = teaser(
        50,
        "Livestream: Crans-Montana: Jetzt live: Pressekonferenz zum Brand in der Bar",
        "Die Polizei in Crans-Montana informiert über den Brand in der Bar.",
        "Bild",
        1,
    )
    full = Article(51, "Brand in Crans-Montana: Ermittler sehen Feuerfontänen als Ursache", "Zeit",
                   "Die Ermittler in Crans-Montana nennen die Ursache des Brandes. " * 30,
                   ("Wunderkerzen lösten das Feuer in der Bar in Crans-Montana aus.",
                    "Die Ermittler sichern Spuren in der Bar.", "Die Opfer werden identifiziert."),
                   NOW, NOW)  # fmt: skip
    group = (live, *GROWING, full)
    assert len(group_stories(group)) == 1
    digest = build_digest(group, day=NOW.date(), since=NOW - timedelta(hours=24), now=NOW)
    story = digest.stories[0]
    assert not is_kicker(story.headline)
    assert story.headline in {a.title for a in group}
    assert story.summary == full.summary[:2]
    names = [link.name for link in story.links]
    assert sorted(names) == sorted({a.source for a in group})


def test_the_top_stories_are_those_most_outlets_carry_each_once() -> None:
    day = [*TWO_MATCHES, *TWO_RULINGS, *GROWING, *NEAR_MISSES]
    digest = build_digest(day, day=NOW.date(), since=NOW - timedelta(hours=24), now=NOW)
    assert set(digest.stories[0].article_ids) == {a.id for a in GROWING}
    outlets = [len({link.name for link in s.links}) for s in digest.stories]
    assert outlets == sorted(outlets, reverse=True)
    shown = [i for s in digest.stories for i in s.article_ids]
    assert len(shown) == len(set(shown))


# A day dominated by one story: its capture and its reactions are reported in words of their
# own (no teaser of one part is close to one of the other), and a comment names only two of
# its names. The reader must still see one entry.
CAPTURE = [
    teaser(
        70,
        "US-Spezialkräfte nehmen Maduro in Caracas fest",
        "Bei einem Einsatz in Venezuela haben Spezialkräfte den Machthaber festgenommen.",
        "dpa",
        6,
    ),
    teaser(
        71,
        "Delta Force stürmt Präsidentenpalast in Caracas",
        "Die Eliteeinheit hat Venezuelas Staatschef Maduro gefangen genommen und ausgeflogen.",
        "Bild",
        5,
    ),
    teaser(
        72,
        "Maduro in New York: Ex-Machthaber vor Gericht",
        "Nach seiner Festnahme in Venezuela muss er sich wegen Drogenhandels verantworten.",
        "Spiegel",
        4,
    ),
]
REACTIONS = [
    teaser(
        73,
        "UN-Sicherheitsrat: Kritik am Vorgehen der USA in Venezuela",
        "Russland und China verurteilen im Sicherheitsrat den Sturz Maduros.",
        "SZ",
        3,
    ),
    teaser(
        74,
        "Merz zum Militärschlag: Völkerrecht muss gelten",
        "Der Kanzler mahnt nach dem Einsatz gegen Maduro in Venezuela das Völkerrecht an.",
        "FAZ",
        3,
    ),
    teaser(
        75,
        "Europa uneins über Trumps Vorgehen",
        "Nach dem Sturz Maduros streiten die Europäer über den Militärschlag in Venezuela.",
        "Zeit",
        2,
    ),
]
COMMENT = teaser(76, "Kommentar: Wie Trump die Welt neu ordnet",
                 "Der Militärschlag gegen Maduro zeigt: Trump hält sich an keine Regel.",
                 "Welt", 1)  # fmt: skip
# Two stories each carried by three outlets, in one country or one court: they stay two.
RULINGS = [
    *TWO_RULINGS,
    teaser(
        34,
        "Wahlrecht: Verfassungsgericht kassiert Teil der Ampel-Reform",
        "Die Grundmandatsklausel muss vorerst bleiben, entscheidet Karlsruhe.",
        "Zeit",
    ),
    teaser(
        35,
        "Solidaritätszuschlag ist verfassungsgemäß",
        "Das Bundesverfassungsgericht weist die Klage von FDP-Politikern gegen den Soli ab.",
        "Spiegel",
    ),
]
UKRAINE = [
    teaser(60, "Selenskyj tauscht erneut den Verteidigungsminister aus",
           "Der ukrainische Präsident will Mychajlo Fedorow an die Spitze des "
           "Verteidigungsministeriums setzen.", "SZ"),
    teaser(61, "Fedorow soll Verteidigungsminister der Ukraine werden",
           "Selenskyj baut den Sicherheitsapparat um: Denys Schmyhal muss das "
           "Verteidigungsministerium abgeben.", "Spiegel"),
    teaser(62, "Umbau in Kiew: Selenskyj ernennt neuen Verteidigungsminister",
           "Mychajlo Fedorow folgt auf Denys Schmyhal, teilte Selenskyj mit.", "Zeit"),
    teaser(63, "Russland legt Beweise für Drohnenangriff auf Putins Residenz vor",
           "Moskau wirft der Ukraine einen Angriff auf Putins Residenz vor und übergibt Belege "
           "an die USA.", "Welt"),
    teaser(64, "Angriff auf Putins Residenz? Moskau übergibt Belege",
           "Russland will beweisen, dass die Ukraine Putins Residenz mit Drohnen angegriffen hat.",
           "FAZ"),
    teaser(65, "Kiew weist Vorwurf des Angriffs auf Putin-Residenz zurück",
           "Selenskyj nennt die russischen Vorwürfe eines Drohnenangriffs auf Putins Residenz "
           "eine Lüge.", "dpa"),
]  # fmt: skip


def test_the_day_s_big_story_and_its_comment_are_one_entry() -> None:
    day = [*TWO_MATCHES, *RULINGS, *UKRAINE, *CAPTURE, *REACTIONS, COMMENT]
    digest = build_digest(day, day=NOW.date(), since=NOW - timedelta(hours=24), now=NOW)
    big = {a.id for a in (*CAPTURE, *REACTIONS, COMMENT)}
    assert set(digest.stories[0].article_ids) == big
    assert all(not big & set(s.article_ids) for s in digest.stories[1:])


def test_running_stories_of_one_country_or_court_stay_apart() -> None:
    groups = group_stories([*TWO_MATCHES, *RULINGS, *UKRAINE, *CAPTURE, *REACTIONS, COMMENT])
    assert together(groups, 30, 31, 34)
    assert together(groups, 32, 33, 35)
    assert not together(groups, 30, 32)
    assert together(groups, 60, 61, 62)
    assert together(groups, 63, 64, 65)
    assert not together(groups, 60, 63)


def test_comments_and_explainers_are_recognised() -> None:
    assert is_secondary("Kommentar: Ans Söder-Wunder muss man glauben")
    assert is_secondary("MeinungIran: Diesmal könnte es wirklich ernst werden")
    assert is_secondary(
        "Gunnar Schupelius – Offen gesagt: Der ADAC fällt Autofahrern in den Rücken"
    )
    assert is_secondary("Wie Trump die Welt neu ordnet")
    assert is_secondary("Venezuela: Ist damit der Sozialismus am Ende?")
    assert is_secondary("Syrer in Deutschland: Warum der Abschiebeplan der CSU scheitern würde")
    assert not is_secondary("Delta Force stürmt Präsidentenpalast in Caracas")
    assert not is_secondary("Wieder Schließfächer in NRW geknackt")


def test_a_comment_joins_the_running_story_and_another_fire_does_not() -> None:
    """A comment naming two of the story's names hangs on it; a report of another bar fire
    naming the same two is an event of its own."""
    comment = teaser(
        80,
        "Warum eine Bar zur Todesfalle wird",
        "Nach dem Brand: Der Brandschutz in Clubs wird oft vernachlässigt.",
        "Welt",
        1,
    )
    other = teaser(
        81,
        "Hamburg: Zwei Verletzte nach Brand in Bar auf St. Pauli",
        "In einer Bar auf St. Pauli ist in der Nacht ein Brand ausgebrochen.",
        "NDR",
        1,
    )
    groups = group_stories([*TWO_MATCHES, *TWO_RULINGS, *GROWING, comment, other])
    assert together(groups, *(a.id for a in GROWING), 80)
    assert not together(groups, 40, 81)
