"""Page layouts the summary reads as a reader would: an interview's or feature's intro, set
apart from the text by a subheading or the first question, leads the summary whole; a date or a
genre label set before a paragraph's first sentence on its line ("01.02.2026 Die …",
"Gastbeitrag | Warum …") is no part of the sentence; a key-points box at the top ("Das
Wichtigste in Kürze" and its items) is the summary. Through `newsbot summarize`."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import summarize_page

# An association's interview page: the intro paragraph, then the first question as a line of its
# own, then the answers.
INTERVIEW = """Startseite

Aktuelles

Was die neue Stiftung für Bürgerinitiativen leisten soll

Ob Klimaschutz, Nachbarschaftshilfe oder Demokratiearbeit: Die neue Bürgerstiftung fördert \
Projekte, die vor Ort etwas bewegen. Wie hängen Stiftung und Verein zusammen? Wir haben \
Geschäftsführerin Miriam Koch getroffen.

Warum braucht der Verein eine eigene Stiftung?

Eine Stiftung ist auf Dauer angelegt. Spenden an den Verein fließen in die laufende Arbeit, \
Zustiftungen an die Stiftung bleiben erhalten, nur ihre Erträge werden ausgegeben. So können wir \
Projekte über viele Jahre begleiten und müssen nicht jedes Jahr neu planen.

Wer kann eine Förderung beantragen?

Gemeinnützige Initiativen, Vereine und Gruppen aus ganz Deutschland. Wir achten darauf, dass \
auch kleine Gruppen ohne eigene Verwaltung zum Zug kommen. Der Antrag passt auf zwei Seiten, und \
über ihn entscheidet ein Beirat, dem auch Engagierte aus den Initiativen angehören.

Wie viel Geld steht zur Verfügung?

Im ersten Jahr rund 400.000 Euro. Das klingt nach viel, reicht aber nur für einen Teil der \
Anträge, die schon jetzt vorliegen. Deshalb werben wir um weitere Zustiftungen.
"""

# An agency's statistics release: the date stands on the line of the first paragraph.
RELEASE = """Arbeitsmarkt im Januar

01.02.2026 Die Zahl der Arbeitslosen ist im Januar weniger stark gestiegen als in den Jahren \
zuvor. Der Arbeitsmarkt sei gut in das Jahr gestartet, sagte die Vorständin der Bundesagentur am \
Dienstag in Nürnberg.

Im Zuge der Winterpause hat sich die Zahl der Arbeitslosen im Januar gegenüber dem Vormonat um \
133.000 auf 2.462.000 erhöht. Damit fiel der Anstieg deutlich geringer aus als in den Jahren \
zuvor. Saisonbereinigt hat die Arbeitslosigkeit um 48.000 abgenommen.

Die Unterbeschäftigung, die auch Menschen in Fördermaßnahmen zählt, lag bei 3,2 Millionen. Die \
Nachfrage nach neuen Mitarbeiterinnen und Mitarbeitern bewegt sich auf hohem Niveau.
"""


# A live report that opens with its key points as a bulleted box.
FLOOD = """Hochwasser: Pegel der Elbe in Dresden steigt weiter

Das Wichtigste in Kürze

- Die Elbe in Dresden erreicht am Wochenende voraussichtlich sieben Meter
- Die Stadt hat Alarmstufe drei ausgerufen und sperrt das Terrassenufer
- Anwohner in Laubegast sollen Keller und Tiefgaragen räumen

Nach tagelangem Regen in Tschechien steigt der Pegel der Elbe in Dresden weiter an. Am \
Freitagmorgen zeigte die Messstelle an der Augustusbrücke 6,12 Meter, fast doppelt so viel wie zu \
Wochenbeginn. Das Landeshochwasserzentrum rechnet bis Sonntag mit sieben Metern.

Die Stadtverwaltung hat am Donnerstagabend die Alarmstufe drei ausgerufen. Das Terrassenufer und \
mehrere Elbwiesen sind gesperrt, die Fähren haben den Betrieb eingestellt. Feuerwehr und \
Technisches Hilfswerk bauen in Laubegast und Pieschen mobile Schutzwände auf.

Anwohnerinnen und Anwohner in tiefer gelegenen Straßen werden gebeten, Keller und Tiefgaragen zu \
räumen. Eine Evakuierung sei derzeit nicht geplant, sagte ein Sprecher der Stadt.
"""


def test_an_intro_above_the_first_question_leads_the_summary(tmp_path: Path) -> None:
    summary = summarize_page(tmp_path, "stiftung.txt", INTERVIEW)
    assert summary[:3] == [
        "Ob Klimaschutz, Nachbarschaftshilfe oder Demokratiearbeit: Die neue Bürgerstiftung "
        "fördert Projekte, die vor Ort etwas bewegen.",
        "Wie hängen Stiftung und Verein zusammen?",
        "Wir haben Geschäftsführerin Miriam Koch getroffen.",
    ]


def test_a_date_before_the_first_sentence_is_not_shown(tmp_path: Path) -> None:
    summary = summarize_page(tmp_path, "arbeitsmarkt.txt", RELEASE)
    assert summary[0].startswith("Die Zahl der Arbeitslosen ist im Januar weniger stark")
    assert not any("01.02.2026" in s for s in summary)


def test_a_key_points_box_at_the_top_is_the_summary(tmp_path: Path) -> None:
    summary = summarize_page(tmp_path, "hochwasser.txt", FLOOD)
    assert summary == [
        "Die Elbe in Dresden erreicht am Wochenende voraussichtlich sieben Meter.",
        "Die Stadt hat Alarmstufe drei ausgerufen und sperrt das Terrassenufer.",
        "Anwohner in Laubegast sollen Keller und Tiefgaragen räumen.",
    ]
