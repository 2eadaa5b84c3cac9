"""The head of a real news page, as a reader copies it: bylines, photo credits, a lone time, an
audio or video player and share notices stand between headline and text, the date line under
the standfirst, and the outlet names itself only in its menus and foot. Shapes taken from
German pages (fundus's fixtures, `python -m tools.facts`); the text is our own."""

from __future__ import annotations

from bot.ingest.files import ingest_paths
from bot.outlets import masthead_of
from bot.store import Store
from summarizer import parse_page
from tests.test_outlets_dates import NOW, PAGES, say


def _latest_of(store: Store, name: str) -> str:
    [result] = ingest_paths(store, [PAGES / name], NOW, workers=0)
    assert result.status == "added", result
    return say(store, "/latest")


def test_byline_credit_and_player_under_the_headline_are_not_the_headline(store: Store) -> None:
    latest = _latest_of(store, "elbvertiefung-schlick.txt")
    assert "Elbvertiefung: Neue Messungen zeigen mehr Schlick als erwartet" in latest
    for furniture in ("0:00", "Link kopiert", "Anna Beispiel", "Max Muster"):
        assert furniture not in latest


def test_the_date_line_under_standfirst_and_byline_is_the_date(store: Store) -> None:
    assert "05.12.2026 17:06" in _latest_of(store, "elbvertiefung-schlick.txt")
    assert "05.12.2026 19:06" in _latest_of(store, "imam-gemeinde.txt")


def test_a_lone_time_and_a_long_photo_credit_are_not_the_headline(store: Store) -> None:
    latest = _latest_of(store, "phishing-paketdienst.txt")
    assert "Phishing: Falsche Paketbenachrichtigungen locken auf Betrugsseiten" in latest
    assert "13:37 Uhr" not in latest
    assert "heise online" in latest


def test_a_caption_over_its_credit_and_a_player_are_not_the_headline(store: Store) -> None:
    latest = _latest_of(store, "imam-gemeinde.txt")
    assert "Wie eine Moscheegemeinde in Neukölln Nachbarn zum Fastenbrechen einlädt" in latest
    assert "Gemeindesaal in der Sonnenallee" not in latest
    assert "Aktuelle Zeit" not in latest


def test_a_page_naming_its_own_domain_has_that_outlet(store: Store) -> None:
    latest = _latest_of(store, "elbvertiefung-schlick.txt")
    assert "Hamburger Abendblatt" in latest
    assert "unbekannte Quelle" not in latest
    assert "1 Treffer" in say(store, "/search Schlick quelle:abendblatt")


def test_an_outlet_named_once_is_a_partner_link_and_twice_the_site() -> None:
    once = "Zum Inhalt\n\nAbo\n\nMenü\n\nEin Artikel.\n\nPartner\n\nTagesspiegel\n\nImpressum"
    assert masthead_of(once) is None
    twice = once.replace("Menü", "Berliner Zeitung") + "\n\nBerliner Zeitung"
    assert masthead_of(twice) == "Berliner Zeitung"
    # An agency's name alone is a photo credit, however often it stands on the page.
    credits = "Zum Inhalt\n\nMenü\n\nEin Artikel.\n\ndpa\n\nEin Bild.\n\ndpa\n\nImpressum"
    assert masthead_of(credits) is None


def test_a_byline_stamp_with_its_date_and_time_dates_the_article(store: Store) -> None:
    # "Peter Muster / 05.12.2026 / 09:30 / Foto: Imago / 23" above the headline.
    latest = _latest_of(store, "stadtwerke-preise.txt")
    assert "Warum die Stadtwerke ihre Preise jetzt senken können" in latest
    assert "05.12.2026 09:30" in latest
    assert "ohne Datum" not in latest


def test_a_blog_date_written_month_first_a_few_lines_above_the_title(store: Store) -> None:
    # "Post date March 5, 2014" over the blog's category line and its comment link.
    latest = _latest_of(store, "winterlauf-blog.txt")
    assert "Winterlauf im Stadtpark: warum wir trotz Schnee gestartet sind" in latest
    assert "05.03.2014" in latest
    assert "vor 4 Monaten" not in latest


def test_a_text_opening_with_its_headline_under_a_short_trail(store: Store) -> None:
    # "sportportal.de ›Tennis" above; the headline is the first line of the run of text.
    latest = _latest_of(store, "tennis-brueder.txt")
    assert "Zwei Brüder, zwei Siege! Die Überraschungen des Tages" in latest
    assert "›" not in latest
    article = say(store, "/article 1")
    assert article.count("Die Überraschungen des Tages") == 1  # the headline, not again as text


def test_a_kicker_run_into_its_headline_is_set_apart(store: Store) -> None:
    # Copied without the page's style sheet, "Schlachtbetriebe" runs into the headline.
    _latest_of(store, "schlachthof-thueringen.txt")
    article = say(store, "/article 1")
    assert "Schlachtbetriebe Das harte" not in article
    assert "Das harte Geschäft mit dem Tod: Warum immer weniger Tiere" in article


def test_only_a_label_before_a_capitalised_article_is_a_run_on_kicker() -> None:
    def read(headline: str) -> tuple[str, str]:
        page = parse_page(f"Startseite\n\n{headline}\n\n{TEXT}")
        return page.kicker, page.title

    assert read("Krieg in der Ukraine Wie Kiew den Winter übersteht") == (
        "Krieg in der Ukraine",
        "Wie Kiew den Winter übersteht",
    )
    for headline in (
        "Fans feiern Die Ärzte in Berlin",  # a verb: a sentence, the band's name in it
        "Premiere von Das Boot im Kino",  # a label never ends in a particle
        "Bahn stoppt Fernverkehr nach dem Sturm",
    ):
        assert read(headline) == ("", headline)


def test_the_colon_between_kicker_and_headline_is_spaced_as_written() -> None:
    for copied, shown in (
        ("Marathon in Berlin:Im harten Läuferalltag weit nach vorne", "Marathon in Berlin: Im"),
        ("49-Euro-Ticket : Pendler sparen 60 Prozent bei Bus und Bahn", "49-Euro-Ticket: Pendler"),
        ("Bayern gewinnt 2:1 gegen Dortmund im Topspiel", "Bayern gewinnt 2:1 gegen"),
    ):
        assert parse_page(f"Startseite\n\n{copied}\n\n{TEXT}").title.startswith(shown)


TEXT = (
    "Die Verhandlungen in der Hauptstadt dauerten bis tief in die Nacht, und am Ende stand ein "
    "Kompromiss, den beide Seiten als tragfähig bezeichneten. Details sollen in den kommenden "
    "Tagen folgen, kündigte ein Sprecher an.\n\nBeobachter sprachen von einem wichtigen Schritt, "
    "der aber noch viele Fragen offen lasse. Die Opposition kündigte an, den Text genau zu prüfen."
)


def test_pagination_links_credits_footnotes_and_links_above_the_text_are_no_headline() -> None:
    """Over a headline, a blog's link to the post before ("« Warum …"), a credit in brackets,
    a footnote, an embedded post's link or a "Post author" line is not taken for the title
    with the headline as its subtitle; a Swiss quote around a headline is no pagination mark."""
    headline = "Radwege in der Innenstadt: Was die neue Planung bringt"
    for furniture in (
        "« Warum die Straßenbahn im Winter langsamer fährt",
        "Parkplätze in der Altstadt werden knapper ›",
        "(Credits: Stadtverwaltung Musterstadt)",
        "* ab 20 Euro Bestellwert versandkostenfrei",
        "Neue Radspur eröffnet pic.twitter.com/AbC123xYz",
        "Mehr dazu unter https://example.org/radwege",
        "Post author By Anna Beispiel",
    ):
        page = parse_page(f"Startseite\n\n{furniture}\n\n{headline}\n\n{TEXT}")
        assert page.title == headline, furniture
    swiss = "«Wir müssen jetzt handeln» – Gemeinderat beschliesst Velowege"
    assert parse_page(f"Startseite\n\n{swiss}\n\n{headline}\n\n{TEXT}").title == swiss


def test_a_posts_two_dates_run_together_date_it_by_the_first(store: Store) -> None:
    # "12. Oktober 202314. Oktober 2023 von Petra": published, then updated, with no space.
    latest = _latest_of(store, "gartenblog-hochbeet.txt")
    assert "Hochbeet im Herbst: was jetzt noch gepflanzt werden kann" in latest
    assert "12.10.2023" in latest
    assert "ohne Datum" not in latest
    assert "202314" not in say(store, "/article 1")  # the stamp is no text


def test_a_publication_date_said_below_the_text_dates_the_article(store: Store) -> None:
    # "Dieser Beitrag wurde am Sonntag, 19. November 2023 um 10:15 Uhr veröffentlicht …"
    latest = _latest_of(store, "vereinsblog-jahresfeier.txt")
    assert "19.11.2023 10:15" in latest
    assert "ohne Datum" not in latest


def test_a_video_title_over_its_player_is_not_the_headline() -> None:
    # A video box between the head and the text: its title stands over "autoplay".
    headline = "Neue Funde im Regenwald: Forscher entdecken vergessene Städte"
    for player in ("autoplay", "0:00 / 2:13", "Aktuelle Zeit: 0:00"):
        dump = (
            f"Startseite\n\nPanorama\n\n{headline}\n\nVon Anna Beispiel\n\n05.11.2025, 18:00 Uhr"
            f"\n\nArchäologie: Die spannendsten Funde des Jahres\n\n{player}\n\n{TEXT}"
        )
        assert parse_page(dump).title == headline, player


def test_the_date_labelled_as_the_publications_wins_over_a_players_date() -> None:
    # Over the headline: "Veröffentlicht am …", then an audio player's line with its own date.
    headline = "Wie der Job-Turbo Geflüchtete schneller in Arbeit bringen soll"
    dump = (
        f"Startseite\n\nWirtschaft\n\nVeröffentlicht am 27.04.24 um 07:39 Uhr"
        f"\n\nAudio 03:07 Min. | 25.04.24 | Anna Beispiel\n\n{headline}\n\n{TEXT}"
    )
    page = parse_page(dump)
    assert page.title == headline
    assert page.published is not None
    assert page.published.strftime("%d.%m.%Y %H:%M") == "27.04.2024 07:39"


def test_a_date_set_before_the_first_sentence_dates_the_article() -> None:
    # A press release's way: "(18.01.2018) Die …", "01.02.2022 „Der …" (no dash between).
    headline = "Landwirte fürchten die Afrikanische Schweinepest"
    for opening in ("(18.01.2018) ", "18.01.2018 ", "18. Januar 2018 "):
        page = parse_page(f"Startseite\n\n{headline}\n\n{opening}{TEXT}")
        assert page.published is not None, opening
        assert page.published.date().isoformat() == "2018-01-18", opening
        assert page.title == headline
