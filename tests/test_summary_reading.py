"""Reading errors at the top of a report, through `newsbot summarize`: a compound that opens with
an abbreviation ("K.-o.-Tropfen") and an abbreviation inside a sentence ("inkl. Reservierung")
are no sentence end, so the report's first sentence is read whole and leads the summary; a date
set in brackets before the first sentence ("(21. November 2026) Viele …") is dropped like any
date before it; an instruction to work the page ("Zum Starten des Videos bitte das Bild
anklicken.") is never a summary sentence."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import newsbot, summarize_page

# A court report whose first sentence names the drug by its abbreviated compound.
TRIAL = """Prozess um K.-o.-Tropfen

Der Einsatz von K.-o.-Tropfen in Bars und Clubs beschäftigt seit Montag das Landgericht Köln. \
Angeklagt ist ein 34-jähriger Barkeeper, der mehreren Frauen die Substanz ins Getränk gemischt \
haben soll.

Nach Angaben der Staatsanwaltschaft geschahen die Taten zwischen Januar und Oktober vergangenen \
Jahres in zwei Lokalen der Innenstadt. Die Frauen erlitten Gedächtnislücken, eine von ihnen musste \
im Krankenhaus behandelt werden.

Der Angeklagte bestreitet die Vorwürfe. Sein Verteidiger kündigte an, die Gutachten zu den \
Blutproben anzuzweifeln. Das Gericht hat sieben Verhandlungstage angesetzt, ein Urteil wird Ende \
des Monats erwartet.
"""

# A fares report whose first sentence abbreviates "inklusive".
FARES = """Bahn erhöht die Preise im Fernverkehr

Die Deutsche Bahn verlangt ab Sonntag für den Flexpreis inkl. Sitzplatzreservierung im Schnitt \
5,9 Prozent mehr. Sparpreise und Bahncards bleiben dagegen unverändert, teilte das Unternehmen am \
Dienstag in Berlin mit.

Fahrgastverbände kritisierten die Erhöhung. Wer kurzfristig reisen müsse, zahle schon jetzt zu \
viel, sagte der Sprecher von Pro Bahn. Die Bahn verwies auf gestiegene Kosten für Energie und \
Personal.

Im Nahverkehr gelten die Tarife der Verkehrsverbünde, die zum Jahreswechsel ebenfalls steigen. \
Das Deutschlandticket kostet weiterhin 58 Euro im Monat.
"""

# A consumer advice page: headline, byline, then the date in brackets on the first paragraph's
# line.
ADVICE = """Strompreise: Was Verbraucher jetzt wissen müssen

Von Anna Berger

(21. November 2026) Viele Stadtwerke erhöhen zum Jahreswechsel ihre Strompreise, einige um mehr \
als ein Drittel. Wer einen Brief seines Versorgers bekommt, hat ein Sonderkündigungsrecht und kann \
innerhalb von zwei Wochen wechseln.

Die Verbraucherzentralen raten, die neuen Preise mit dem Angebot des Grundversorgers und mit \
Vergleichsportalen abzugleichen. Wer wechselt, sollte auf die Laufzeit und die Preisgarantie \
achten, nicht allein auf einen Bonus im ersten Jahr.

Haushalte mit geringem Einkommen können bei ihrem Jobcenter oder Sozialamt prüfen lassen, ob die \
höheren Abschläge übernommen werden. Auch Ratenzahlungen sind bei vielen Versorgern möglich.
"""


# A science report with a video player's instruction left between its paragraphs.
TELESCOPE = """Wie das Weltraumteleskop den Jupitermond Europa sieht

Das Weltraumteleskop James Webb hat auf dem Jupitermond Europa Kohlendioxid im Eis nachgewiesen. \
Die Fachleute vermuten, dass es aus dem Ozean unter der Eiskruste stammt.

Zum Starten des Videos bitte das Bild anklicken.

Der Nachweis gelang in einer Region namens Tara Regio, in der die Kruste jung und zerklüftet ist. \
Dort könnte Wasser aus dem Inneren an die Oberfläche gelangt sein, schreibt das Team im Fachblatt \
Science.

Ob der Ozean Leben beherbergen kann, soll die Raumsonde Europa Clipper klären, die 2030 am \
Jupiter ankommt.
"""


def test_an_abbreviated_compound_does_not_end_the_first_sentence(tmp_path: Path) -> None:
    summary = summarize_page(tmp_path, "prozess.txt", TRIAL)
    assert summary[0] == (
        "Der Einsatz von K.-o.-Tropfen in Bars und Clubs beschäftigt seit Montag das "
        "Landgericht Köln."
    )
    assert not any(sentence.startswith("-") for sentence in summary)


def test_an_abbreviation_inside_the_first_sentence_does_not_end_it(tmp_path: Path) -> None:
    summary = summarize_page(tmp_path, "fahrpreise.txt", FARES)
    assert summary[0] == (
        "Die Deutsche Bahn verlangt ab Sonntag für den Flexpreis inkl. Sitzplatzreservierung im "
        "Schnitt 5,9 Prozent mehr."
    )


def test_a_bracketed_date_before_the_first_sentence_is_not_shown(tmp_path: Path) -> None:
    summary = summarize_page(tmp_path, "strompreise.txt", ADVICE)
    assert summary[0].startswith("Viele Stadtwerke erhöhen zum Jahreswechsel ihre Strompreise")
    assert not any("21. November" in sentence for sentence in summary)


def test_an_instruction_to_work_the_page_is_not_summarized(tmp_path: Path) -> None:
    summary = summarize_page(tmp_path, "europa.txt", TELESCOPE)
    assert len(summary) == 3
    assert not any("anklicken" in sentence for sentence in summary)


# A tennis report whose first sentence names the winner by his rank.
TENNIS = """Bellucci gewinnt in Rio

Rio de Janeiro – Der Weltranglisten-19. Thomaz Bellucci hat das Turnier in Rio de Janeiro \
gewonnen. Der Brasilianer setzte sich im Finale gegen den Argentinier Juan Mónaco mit 6:4, 7:6 \
durch.

Für Bellucci ist es der fünfte Titel seiner Karriere und der erste auf heimischem Sand. Das \
Publikum feierte ihn minutenlang, im Halbfinale hatte er noch einen Matchball abwehren müssen.

Mónaco verpasste seinen zweiten Turniersieg in diesem Jahr. Er will nun in Acapulco antreten, wo \
er im vergangenen Jahr das Viertelfinale erreichte.
"""

# A guide that opens by asking its reader, then answers the question it left out.
GUIDE = """Flächenverbrauch für Fleisch, Milch und Eier

Du willst mehr über den Flächenverbrauch für Fleisch, Eier und Milch erfahren? Dann bist du hier \
genau richtig! Für tierische Lebensmittel wird weltweit ein Vielfaches der Fläche gebraucht, die \
pflanzliche Lebensmittel mit demselben Nährwert benötigen.

Der Grund ist das Futter: Rinder, Schweine und Hühner fressen Getreide und Soja, die auf Äckern \
wachsen, dazu kommen Weiden. Darauf entfallen nach Angaben der Welternährungsorganisation rund \
drei Viertel der Agrarfläche der Welt.

Würden alle Menschen vor allem pflanzlich essen, käme die Menschheit nach einer Studie der \
Universität Oxford mit etwa einem Viertel der heutigen Agrarfläche aus.
"""


def test_a_rank_glued_to_a_compound_does_not_end_the_first_sentence(tmp_path: Path) -> None:
    summary = summarize_page(tmp_path, "tennis.txt", TENNIS)
    assert summary[0] == (
        "Der Weltranglisten-19. Thomaz Bellucci hat das Turnier in Rio de Janeiro gewonnen."
    )
    assert "Thomaz Bellucci hat" not in " ".join(summary[1:])


def test_a_sentence_that_reads_on_from_a_left_out_one_is_not_shown(tmp_path: Path) -> None:
    summary = summarize_page(tmp_path, "flaeche.txt", GUIDE)
    # "Dann …" answers the question before it, which addresses the reader and is no summary
    # sentence; "Darauf …" points to the pastures of the sentence before it.
    assert not any(sentence.startswith("Dann ") for sentence in summary), summary
    for at, sentence in enumerate(summary):
        if sentence.startswith("Darauf "):
            assert at > 0, summary
            assert summary[at - 1].endswith("dazu kommen Weiden."), summary
    assert summary[0].startswith("Für tierische Lebensmittel wird weltweit ein Vielfaches")


# A blog post that says under its first paragraph where it first appeared, naming its headline.
BLOG = """Solopreneure auf LinkedIn: Das Profil als Visitenkarte

Einblicke aus der Praxis sind wichtige Zutaten für mein Seminar an der Akademie der Bayerischen \
Presse. Weil so viele nach LinkedIn fragten, habe ich eine Profil-Beraterin zum Interview gebeten.

Anna Weber • Dieser Beitrag Solopreneure auf LinkedIn: Das Profil als Visitenkarte erschien \
zuerst im Blog Weber-Medien.

Ein gutes Profil zeigt auf den ersten Blick, wofür jemand fachlich steht. Die Beraterin rät, das \
Titelbild und die Kurzbeschreibung wie eine Visitenkarte zu behandeln und regelmäßig zu pflegen.

Wer selbstständig ist, gewinnt auf LinkedIn nach ihrer Erfahrung vor allem über Empfehlungen \
neue Aufträge, seltener über Anzeigen.
"""


def test_a_note_of_where_the_piece_first_appeared_is_not_summarized(tmp_path: Path) -> None:
    summary = summarize_page(tmp_path, "linkedin.txt", BLOG)
    assert summary[0].startswith("Einblicke aus der Praxis")
    assert not any("erschien" in sentence for sentence in summary), summary


# A guide whose text opens with its headline reworded as a question, then answers it.
LEASING = {
    "id": "leasing",
    "title": "Auto leasen, finanzieren oder kaufen – was lohnt sich?",
    "text": (
        "Auto leasen, finanzieren oder kaufen – was ist günstiger?\n"
        "Sie können auf verschiedenen Wegen zum eigenen Auto kommen. Doch welche Art der "
        "Anschaffung ist am günstigsten – Leasing, Finanzierung oder Barkauf? Wir erklären, in "
        "welchen Fällen sich Leasing oder Kauf lohnt und welche Vor- und Nachteile es gibt.\n"
        "Wer bar bezahlt, spart die Zinsen, bindet aber viel Geld auf einmal. Beim Leasing zahlt "
        "man monatliche Raten und gibt das Auto nach zwei bis vier Jahren zurück."
    ),
}


def test_a_sentence_that_is_the_headline_again_is_not_summarized() -> None:
    """The digest shows the headline above the summary: a line that says no more than it is not
    shown again below it."""
    result = newsbot("summarize", "--jsonl", stdin=json.dumps(LEASING) + "\n")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert summary[0] == "Sie können auf verschiedenen Wegen zum eigenen Auto kommen."
    assert not any("was ist günstiger" in sentence for sentence in summary), summary
