"""What a page sets right above its headline, as ingest keeps it: the last entry of a topic menu
is no kicker unless it names the story; a label of the piece's form ("Kommentar") is a kicker,
not a comment section's header, so a commentary keeps its label and its text; a real kicker
under the site's own navigation stays. Page dumps go in through ingest, the kicker is read from
the store and from `/search`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.commands import Context, handle
from bot.ingest.files import ingest_paths
from bot.records import Reply
from bot.render import to_plain
from bot.store import Store

NOW = datetime(2026, 12, 6, 19, 0, tzinfo=UTC)

# A ministry's page: the topic menu of its consumer section runs right into the headline.
TOPIC_MENU = """Startseite

Verbraucherschutz

Wohnen & Energie

Mieterschutz

Baurecht

Verbraucherservice Energie

Schlichtungsstelle Energie

Lieferantenwechsel

Mehr Transparenz bei Preisanpassungen für Strom und Gas

Ob Energie, Finanzen oder Telekommunikation: Überall finden sich Klauseln, mit denen Anbieter \
ihre Preise anpassen dürfen. Künftig müssen Versorger ihre Kundinnen und Kunden vorher \
verständlich über jede Erhöhung informieren.

Das Kabinett hat dazu am Mittwoch einen Gesetzentwurf beschlossen. Er verpflichtet Strom- und \
Gasversorger, eine Preiserhöhung sechs Wochen im Voraus anzukündigen und die Gründe zu nennen. \
Wer die Frist versäumt, darf die höheren Preise erst später verlangen.

Verbraucherverbände begrüßten den Entwurf, forderten aber eine Pflicht zum Vergleich mit dem \
günstigsten Tarif des Anbieters. Der Bundestag soll im Frühjahr darüber beraten.
"""

# The same menu, but the label above the headline names what the story is about.
TOPIC_KICKER = TOPIC_MENU.replace("Lieferantenwechsel", "Energiepreise")

# A broadcaster's commentary: the genre label right above the headline, a date line, a
# standfirst, the byline, the text, then the real comment section.
COMMENTARY = """Zum Inhalt springen

Startseite

Inland

Meinung

Kommentar

Die Schuldenbremse ist kein Naturgesetz

Stand: 05.12.2026 18:40 Uhr

Die Koalition lockert die Schuldenbremse für Investitionen. Das ist kein Dammbruch, sondern \
überfällig, meint Anna Berger.

Von Anna Berger, ARD-Hauptstadtstudio

Es hat lange gedauert, aber am Ende hat die Koalition das getan, was Ökonomen seit Jahren \
fordern: Sie lockert die Schuldenbremse für Investitionen in Brücken, Schienen und Schulen. Das \
ist kein Dammbruch, sondern die späte Einsicht, dass ein Land, das von seiner Substanz lebt, \
seinen Kindern keinen Gefallen tut.

Denn die Rechnung ist einfach. Jede Brücke, die heute gesperrt wird, kostet morgen ein \
Vielfaches, und jede Schule, in der es durch das Dach regnet, ist eine Hypothek auf die Zukunft.

Natürlich bleibt die Sorge, dass das neue Geld in Wahlgeschenken versickert. Deshalb muss die \
Koalition jetzt genau festlegen, wofür die Kredite verwendet werden dürfen, und das Parlament \
muss die Ausgaben streng kontrollieren.

Kommentare

Schreibe einen Kommentar

Max Meier sagt: 05.12.2026 um 19:12 Uhr

Endlich! Das hätte man schon vor zehn Jahren machen müssen, dann wären unsere Brücken heute \
nicht so kaputt.
"""


def _ingest(store: Store, folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")
    results = list(ingest_paths(store, [folder / name], NOW, workers=0))
    assert [r.status for r in results] == ["added"], results


def _search(store: Store, words: str) -> str:
    reply = handle(f"/suche {words}", Context("telegram:1", NOW, "telegram:5"), store)
    assert isinstance(reply, Reply)
    return to_plain(reply)


def test_the_last_entry_of_a_topic_menu_is_no_kicker(store: Store, tmp_path: Path) -> None:
    _ingest(store, tmp_path, "preise.txt", TOPIC_MENU)
    (article,) = store.articles.latest(5)
    assert article.title == "Mehr Transparenz bei Preisanpassungen für Strom und Gas"
    assert article.kicker == ""
    assert "Lieferantenwechsel" not in _search(store, "Preisanpassungen")


def test_a_label_under_a_menu_that_names_the_story_is_its_kicker(
    store: Store, tmp_path: Path
) -> None:
    _ingest(store, tmp_path, "preise.txt", TOPIC_KICKER)
    (article,) = store.articles.latest(5)
    assert article.kicker == "Energiepreise"
    assert "Energiepreise · Mehr Transparenz bei Preisanpassungen" in _search(store, "Gasversorger")


def test_a_commentary_keeps_its_kicker_and_its_text(store: Store, tmp_path: Path) -> None:
    _ingest(store, tmp_path, "kommentar.txt", COMMENTARY)
    (article,) = store.articles.latest(5)
    assert article.title == "Die Schuldenbremse ist kein Naturgesetz"
    assert article.kicker == "Kommentar"
    assert "Es hat lange gedauert" in article.body
    assert "Endlich!" not in article.body  # the comments below still end the article
    assert "Kommentar · Die Schuldenbremse ist kein Naturgesetz" in _search(store, "Schuldenbremse")
