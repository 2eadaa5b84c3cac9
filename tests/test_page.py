"""Page dumps → PageDump: the two seeds paragraph by paragraph, dates, junk rules, robustness."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer import PageDump, parse_page
from summarizer.boilerplate import is_junk, is_section_break
from summarizer.dates import find_date, is_dateline

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def dpa_page() -> PageDump:
    return parse_page((SEEDS / "dpa-kreml-venezuela-2025-11-02.txt").read_text(encoding="utf-8"))


@pytest.fixture
def tkp_page() -> PageDump:
    path = SEEDS / "tkp-russland-venezuela-luftabwehr-2025-11-10.txt"
    return parse_page(path.read_text(encoding="utf-8"))


def test_dpa_seed_header(dpa_page: PageDump) -> None:
    assert dpa_page.title == "Kreml fordert friedliche Lösung zwischen USA und Venezuela"
    assert dpa_page.published == datetime(2025, 11, 2, 9, 13, 55, tzinfo=BERLIN)
    assert dpa_page.source == "dpa"


def test_dpa_seed_body_paragraph_by_paragraph(dpa_page: PageDump) -> None:
    starts = [
        "Russland ist ein Verbündeter des venezolanischen Staatschefs Maduro.",
        "Russland ist an einer friedlichen Beilegung des Konflikts",
        # A subheading: kept in the body, never a summary sentence.
        "Bittet Maduro um Militärhilfe aus Moskau?",
        "Tass nannte die Äußerungen die Antwort des Kremls",
        "Seit Wochen greifen US-Streitkräfte immer wieder",
    ]
    assert len(dpa_page.paragraphs) == len(starts)
    for paragraph, start in zip(dpa_page.paragraphs, starts, strict=True):
        assert paragraph.startswith(start)
    assert dpa_page.paragraphs[-1].endswith("als Drohgebärde sieht.")
    assert dpa_page.body == "\n\n".join(dpa_page.paragraphs)


def test_dpa_seed_drops_topic_tag_and_teasers(dpa_page: PageDump) -> None:
    body = dpa_page.body
    for junk in ("USA, Venezuela", "@ dpa.de", "Weitere Meldungen", "weiterlesen", "Grönland"):
        assert junk not in body


def test_tkp_seed_header(tkp_page: PageDump) -> None:
    assert tkp_page.title == (
        "Russland erwägt Venezuelas Bitte um militärische Hilfe wegen US-Truppen in der Karibik"
    )
    assert tkp_page.published == datetime(2025, 11, 10, tzinfo=BERLIN)
    assert tkp_page.source == "TKP"


def test_tkp_seed_body_paragraph_by_paragraph(tkp_page: PageDump) -> None:
    starts = [
        "Ein russischer Gesetzgeber hat erklärt",
        "Wie Newsweek berichtet reagierte Sacharowa",
        "Alexei Zhuravlev, ein hochrangiger Abgeordneter",
        "Laut einem Bericht der Washington Post",
        "Der venezolanische Präsident Nicolas Maduro",
        "Laut The New York Times umfassen",
        "Vertreter der Trump-Regierung spielten",
    ]
    assert len(tkp_page.paragraphs) == len(starts)
    for paragraph, start in zip(tkp_page.paragraphs, starts, strict=True):
        assert paragraph.startswith(start)
    assert tkp_page.paragraphs[-1].endswith("die es für Drogenkuriere hält.")


@pytest.mark.parametrize(
    "junk",
    [
        "Kremlin.ru, CC BY 4.0",
        "spendenfinanziert",
        "Newsletter",
        "Venezuela verstärkt Marinepatrouillen",
        "Kommentare",
        "Jurgen",
        "Seifenblase",
        "Regeln für Kommentare",
        "Aktuelle Beiträge",
        "Lesezeit",
    ],
)
def test_tkp_seed_drops_credit_appeal_related_and_comments(tkp_page: PageDump, junk: str) -> None:
    assert junk not in tkp_page.body


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("02.11.2025 - 09:13:55", datetime(2025, 11, 2, 9, 13, 55, tzinfo=BERLIN)),
        ("10. November 2025von 2,6 Minuten Lesezeit", datetime(2025, 11, 10, tzinfo=BERLIN)),
        ("12.01.2026", datetime(2026, 1, 12, tzinfo=BERLIN)),
        ("Donnerstag, 31. Mai 2012", datetime(2012, 5, 31, tzinfo=BERLIN)),
        ("19. Juni 2019 16:29 Uhr", datetime(2019, 6, 19, 16, 29, tzinfo=BERLIN)),
        ("2025-11-02T09:13:55+01:00", datetime(2025, 11, 2, 8, 13, 55, tzinfo=ZoneInfo("UTC"))),
        ("2025-11-02", datetime(2025, 11, 2, tzinfo=BERLIN)),
        ("keine Angabe", None),
        ("31.02.2025", None),
    ],
)
def test_find_date_reads_german_and_iso_formats(text: str, expected: datetime | None) -> None:
    found = find_date(text)
    assert found == expected
    if found is not None:
        assert found.tzinfo is not None


def test_summer_time_offset_is_berlin() -> None:
    found = find_date("01.07.2024 - 12:00")
    assert found is not None
    assert found.utcoffset() is not None
    assert found.isoformat() == "2024-07-01T12:00:00+02:00"


@pytest.mark.parametrize(
    "line",
    ["02.11.2025 - 09:13:55", "Veröffentlicht am 16.08.2019", "Stand: 26. Februar 2020, 12:30 Uhr"],
)
def test_datelines(line: str) -> None:
    assert is_dateline(line)


def test_sentence_with_a_date_is_no_dateline() -> None:
    assert not is_dateline("Am 10. November 2025 hat der Bundestag das Gesetz beschlossen.")


@pytest.mark.parametrize(
    "block",
    [
        "@ dpa.de",
        "Foto: Max Mustermann",
        "© Shutterstock/racorn",
        "Kremlin.ru, CC BY 4.0, via Wikimedia Commons",
        "Unsere Arbeit ist spendenfinanziert – wir bitten um Unterstützung.",
        "Folge TKP auf Telegram oder GETTR und abonniere unseren Newsletter.",
        "Jurgen 11. November 2025 um 12:25 Uhr - Antworten",
        "Teilen",
        "Facebook",
        "Wir verwenden Cookies, um Ihnen das beste Nutzererlebnis zu bieten.",
        "2,6 Minuten Lesezeit",
        "Maxi Taucher ist in der Weltspitze der Junioren angekommen. (Foto: Privat)",
        "Das Hermelin ist im Winter mit seinem weißen Fell gut getarnt. (mlharing / iStock.com)",
        "Der Vize bei der Pressekonferenz. Foto: Verband/Max Muster",
    ],
)
def test_junk_blocks(block: str) -> None:
    assert is_junk(block)


@pytest.mark.parametrize(
    "block",
    [
        "Russland ist ein Verbündeter des venezolanischen Staatschefs Maduro.",
        "Bittet Maduro um Militärhilfe aus Moskau?",
        "Die Sprecherin sagte, man werde angemessen reagieren.",
        "Die Kanzlerin reiste am Montag nach Paris, um dort über Energiepolitik zu sprechen. (dpa)",
    ],
)
def test_article_blocks_are_not_junk(block: str) -> None:
    assert not is_junk(block)


@pytest.mark.parametrize(
    "block",
    [
        "4 Kommentare",
        "Weitere Meldungen",
        "Ähnliche Beiträge",
        "Schreibe einen Kommentar",
        "Das könnte Sie auch interessieren",
        "2 Gedanken zu „Ein Titel“",
    ],
)
def test_section_breaks(block: str) -> None:
    assert is_section_break(block)


def test_standfirst_below_a_dateline_is_body_and_the_headline_above_is_the_title() -> None:
    article = (
        "Die Corona-Pandemie hat weiter massiven Einfluss auf internationale Sportereignisse und "
        "führt auch im Schwimmsport zu Verschiebungen. Der Weltverband hat nun bestätigt, dass "
        "die beiden kommenden Weltmeisterschaften jeweils um ein Jahr verschoben werden müssen. "
        "Die Titelkämpfe in Japan waren ursprünglich für den Mai geplant gewesen."
    )
    standfirst = (
        "Was seit Wochen vermutet wurde, ist vom Weltverband nun offiziell bestätigt worden"
    )
    dump = "\n\n".join(
        [
            "Startseite",
            "Weltmeisterschaften im Schwimmen verschoben",
            "01.02.2022",
            standfirst,
            article,
        ]
    )
    page = parse_page(dump)
    assert page.title == "Weltmeisterschaften im Schwimmen verschoben"
    assert page.paragraphs == (standfirst, article)


def test_given_title_means_text_is_already_the_body() -> None:
    text = "Mein Titel\nErster Absatz mit Inhalt.\nFoto: Agentur\nZweiter Absatz mit Inhalt."
    page = parse_page(text, title="Mein Titel")
    assert page.title == "Mein Titel"
    assert page.paragraphs == ("Erster Absatz mit Inhalt.", "Zweiter Absatz mit Inhalt.")


def test_empty_dump() -> None:
    page = parse_page("")
    assert page == PageDump("", None, None, ())
    assert page.body == ""


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_parse_page_never_raises(text: str) -> None:
    page = parse_page(text)
    assert isinstance(page.body, str)
    parse_page(text, title="Titel")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "\n\n",
                "\n",
                " ",
                "Der Satz endet hier.",
                "Menü",
                "12.03.2024",
                "4 Kommentare",
                "Foto: dpa",
                "Ein längerer Absatz mit vielen Wörtern, "
                "der wie Fließtext aussieht und einen Punkt hat.",
            ]
        ),
        max_size=40,
    )
)
def test_parse_page_on_dump_shaped_text(parts: list[str]) -> None:
    text = "".join(parts)
    page = parse_page(text)
    for paragraph in page.paragraphs:
        assert paragraph.strip()


_PARAGRAPH_A = (
    "Der Stadtrat hat am Dienstagabend nach langer Debatte beschlossen, die Buslinien im Norden "
    "der Stadt ab dem kommenden Frühjahr im Zehn-Minuten-Takt fahren zu lassen. Die Kosten von "
    "rund zwei Millionen Euro im Jahr sollen zur Hälfte aus Landesmitteln gedeckt werden."
)
_PARAGRAPH_B = (
    "Die Verkehrsbetriebe wollen dafür zwölf neue Fahrerinnen und Fahrer einstellen und drei "
    "zusätzliche Elektrobusse anschaffen. Die Opposition hatte einen noch dichteren Takt "
    "gefordert, fand dafür aber keine Mehrheit, weil die Finanzierung nicht gesichert war."
)


def test_short_lead_under_the_headline_is_taken_back_across_dateline_byline_and_credit() -> None:
    lead = "Die Busse im Norden der Stadt fahren ab dem Frühjahr deutlich häufiger als bisher."
    dump = "\n\n".join(
        [
            "Startseite",
            "Politik",
            "Neuer Takt für die Buslinien im Norden",
            lead,
            "Stand: 14.03.2023",
            "Anna Beispiel",
            "Teilen",
            "Foto: Stadtwerke",
            _PARAGRAPH_A,
            _PARAGRAPH_B,
        ]
    )
    page = parse_page(dump)
    assert page.title == "Neuer Takt für die Buslinien im Norden"
    assert page.paragraphs == (lead, _PARAGRAPH_A, _PARAGRAPH_B)


def test_short_prose_above_the_text_without_a_headline_is_not_a_lead() -> None:
    teaser = "Der Bürgermeister lädt am Samstag zu einem Tag der offenen Tür ins Rathaus ein."
    dump = "\n\n".join(["Menü", teaser, "Teilen", _PARAGRAPH_A, _PARAGRAPH_B])
    assert parse_page(dump).paragraphs == (_PARAGRAPH_A, _PARAGRAPH_B)


def test_list_announced_by_a_colon_at_the_end_of_the_text_is_kept() -> None:
    intro = "Für den Teig brauchen Sie:"
    items = ["250 g Mehl", "2 Eier", "1 Prise Salz", "100 ml Milch"]
    dump = "\n\n".join([_PARAGRAPH_A, _PARAGRAPH_B, intro, *items, "Drucken", "Impressum"])
    assert parse_page(dump).paragraphs == (_PARAGRAPH_A, _PARAGRAPH_B, intro, *items)


def test_repeated_list_intro_is_text_not_a_label() -> None:
    intro = "Gehen Sie dazu folgendermaßen vor:"
    first = ["1. Öffnen Sie die Einstellungen.", "2. Wählen Sie den Punkt Konto."]
    second = ["1. Tippen Sie auf das Profilbild.", "2. Wählen Sie den Punkt Abmelden."]
    dump = "\n\n".join([_PARAGRAPH_A, intro, *first, _PARAGRAPH_B, intro, *second, "Teilen"])
    assert parse_page(dump).paragraphs[-3:] == (intro, *second)


def test_text_starting_mid_sentence_takes_the_line_above() -> None:
    opening = "Der große Malwettbewerb für Schulkinder"
    rest = (
        "findet in diesem Jahr schon zum fünften Mal statt. Kinder zwischen sechs und zwölf Jahren "
        "können bis Ende April ein Bild zum Thema Wasser einschicken, die besten werden im Sommer "
        "im Rathaus ausgestellt."
    )
    dump = "\n\n".join(
        ["Blog", "Malen für saubere Seen", "Veröffentlicht am 3. März 2023", opening, rest]
    )
    page = parse_page(dump)
    assert page.paragraphs == (opening, rest)
    assert page.title == "Malen für saubere Seen"


def test_teaser_followed_by_a_read_more_link_is_left_out() -> None:
    teaser = (
        "In unserem Seminar zur Buchhaltung lernen Sie an zwei Tagen, wie Sie Belege richtig "
        "erfassen und den Jahresabschluss vorbereiten, mit vielen Übungen aus der Praxis."
    )
    dump = "\n\n".join(
        [
            _PARAGRAPH_A,
            _PARAGRAPH_B,
            "Seminar zur Buchhaltung",
            teaser,
            "Mehr erfahren",
            _PARAGRAPH_A[:90] + ".",
        ]
    )
    page = parse_page(dump)
    assert teaser not in page.paragraphs
    assert "Seminar zur Buchhaltung" not in page.paragraphs
    assert page.paragraphs[:2] == (_PARAGRAPH_A, _PARAGRAPH_B)


def test_related_stories_header_ends_the_article() -> None:
    teaser = (
        "Warum die Straßenbahn im Süden der Stadt seit Wochen ausfällt und wann die Fahrgäste "
        "wieder mit einem regulären Betrieb auf der ganzen Strecke rechnen können."
    )
    dump = "\n\n".join([_PARAGRAPH_A, _PARAGRAPH_B, "Das könnte dir auch gefallen", teaser])
    assert parse_page(dump).paragraphs == (_PARAGRAPH_A, _PARAGRAPH_B)


def test_author_box_at_the_end_goes_with_the_name_line_above_it() -> None:
    box = (
        "Anna Beispiel ist Redakteurin im Ressort Stadt und schreibt seit 2015 über Verkehr, "
        "Wohnen und die Verwaltung."
    )
    dump = "\n\n".join(
        ["Neuer Takt für die Buslinien", _PARAGRAPH_A, _PARAGRAPH_B, "Anna Beispiel", box]
    )
    assert parse_page(dump).paragraphs == (_PARAGRAPH_A, _PARAGRAPH_B)


def test_page_dates_as_blog_software_writes_them() -> None:
    """Month first with German or English names, a time after a slash; a date with slashes is
    left alone (11/01/2021 is in January or November by the software's defaults)."""
    assert find_date("Post date March 5, 2014") == datetime(2014, 3, 5, tzinfo=BERLIN)
    assert find_date("Veröffentlicht am Dezember 29, 2021") == datetime(2021, 12, 29, tzinfo=BERLIN)
    assert find_date("Peter Muster / 05.12.2026 / 09:30") == datetime(
        2026, 12, 5, 9, 30, tzinfo=BERLIN
    )
    assert find_date("11/01/2021") is None
    assert find_date("3/4 der Befragten stimmten zu") is None
