"""Same-story grouping: the seeds merge, near misses on the same country do not."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.ingest.files import ingest_paths
from bot.records import Article
from bot.store import Store
from bot.stories import group_stories
from tests.conftest import SEEDS

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
    return store.latest(10)


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
