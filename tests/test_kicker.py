"""A kicker line above the headline ("Bundesliga, 13. Spieltag") is kept as the article's own
field and searched like the lead: `/search Bundesliga` finds the match report that never says
"Bundesliga" in its text, the headline stays the title, and a menu entry is no kicker. On SQLite
and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.commands import Context, handle
from bot.ingest.files import ingest_paths
from bot.records import Reply
from bot.render import to_plain
from bot.store import Storage

NOW = datetime(2026, 12, 6, 19, 0, tzinfo=UTC)

# A sports page: navigation, the kicker right above the headline, no date line between them, a
# text that names the clubs but never the league.
MATCH_REPORT = """Startseite

Fußball

Bundesliga, 13. Spieltag

Leverkusen dreht das Spiel gegen Freiburg in der Nachspielzeit

Bayer Leverkusen hat einen späten Sieg gegen den SC Freiburg gefeiert. Nach einem Rückstand zur \
Pause gewann die Mannschaft vor 30.000 Zuschauern in der BayArena noch mit 2:1.

Die Freiburger gingen in der 31. Minute durch einen Kopfball von Matthias Ginter in Führung. \
Leverkusen tat sich lange schwer, gegen die kompakt stehenden Gäste Chancen herauszuspielen, und \
lag zur Pause verdient zurück.

Nach dem Seitenwechsel erhöhte Leverkusen den Druck. Patrik Schick glich in der 67. Minute nach \
einer Flanke von Alejandro Grimaldo aus. In der vierten Minute der Nachspielzeit traf der \
eingewechselte Victor Boniface zum umjubelten Siegtreffer.

Mit dem Sieg rückt Leverkusen in der Tabelle auf den dritten Platz vor. Freiburg bleibt nach der \
dritten Niederlage in Folge im Mittelfeld. Am kommenden Wochenende empfängt Freiburg den VfB \
Stuttgart.

Mehr zum Thema

Bayern patzt in Mainz
"""

# A news page whose menu ends right above the headline: "Kontakt" is navigation, not a kicker.
MENU_ABOVE = """Politik

Wirtschaft

Kontakt

Stadtrat beschließt neuen Haushalt für das kommende Jahr

Der Kölner Stadtrat hat am Donnerstagabend den Haushalt für das kommende Jahr beschlossen. Die \
Stadt plant Ausgaben von rund fünf Milliarden Euro, vor allem für Schulen und den Nahverkehr.

Die Opposition kritisierte die hohe Neuverschuldung und forderte Einsparungen in der Verwaltung. \
Der Kämmerer verteidigte den Plan: Ohne die Investitionen würden die Schulen weiter verfallen.

Der Haushalt muss noch von der Bezirksregierung genehmigt werden. Eine Entscheidung wird im \
Frühjahr erwartet.
"""


@pytest.fixture
def store(any_store: Storage) -> Storage:
    """The search on SQLite and on PostgreSQL."""
    return any_store


def say(store: Storage, text: str) -> str:
    reply = handle(text, Context("telegram:1", NOW, "telegram:5"), store)
    assert isinstance(reply, Reply)
    return to_plain(reply)


def ingest(store: Storage, folder: Path, pages: dict[str, str]) -> None:
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    results = list(ingest_paths(store, [folder], NOW, workers=0))
    assert [r.status for r in results] == ["added"] * len(pages), results


def test_search_finds_a_match_report_by_its_kicker(store: Storage, tmp_path: Path) -> None:
    ingest(store, tmp_path, {"kicker-leverkusen.txt": MATCH_REPORT})
    shown = say(store, "/search Bundesliga")
    assert "Leverkusen dreht das Spiel gegen Freiburg in der Nachspielzeit" in shown
    assert "1 Treffer" in shown
    (article,) = store.articles.latest(5)
    assert article.title == "Leverkusen dreht das Spiel gegen Freiburg in der Nachspielzeit"
    assert article.kicker == "Bundesliga, 13. Spieltag"
    assert "Bundesliga" not in article.body


def test_a_kicker_ranks_like_the_lead_above_a_passing_mention(
    store: Storage, tmp_path: Path
) -> None:
    passing = MENU_ABOVE.replace(
        "Frühjahr erwartet.",
        "Frühjahr erwartet. Am Abend lief im Ratssaal nebenbei die Bundesliga-Konferenz.",
    )
    ingest(store, tmp_path, {"kicker-leverkusen.txt": MATCH_REPORT, "haushalt.txt": passing})
    shown = say(store, "/search Bundesliga")
    assert shown.index("Leverkusen dreht das Spiel") < shown.index("Stadtrat beschließt")


def test_a_menu_entry_above_the_headline_is_no_kicker(store: Storage, tmp_path: Path) -> None:
    ingest(store, tmp_path, {"haushalt.txt": MENU_ABOVE})
    (article,) = store.articles.latest(5)
    assert article.title == "Stadtrat beschließt neuen Haushalt für das kommende Jahr"
    assert article.kicker == ""
    assert "Keine Artikel" in say(store, "/search Kontakt")
