"""Junk vocabulary: appeals, consent lines, link lines and section breaks, with look-alike text."""

from __future__ import annotations

import pytest

from summarizer.boilerplate import is_about_header, is_junk, is_read_more, is_section_break


@pytest.mark.parametrize(
    "block",
    [
        # Newsletter appeals: "in dein Postfach" is where a subscription sends things.
        "Die wichtigsten Nachrichten aus der Region jeden Morgen direkt in dein Postfach!",
        "Jetzt anmelden und alle Neuigkeiten kostenlos in Ihr E-Mail-Postfach erhalten.",
        # Membership promos addressing the reader.
        "Werden Sie jetzt Mitglied im Verein und erhalten Sie unser Heft jeden Monat gratis.",
        # Link lines to more information and to the site's own articles.
        "Weitere Informationen zum Wettbewerb: www.beispiel-verein.de/wettbewerb",
        "Weitere Details zur Anmeldung unter www.example.org/anmeldung",
        "Wie man Fahrräder richtig pflegt, erklären wir in unserem Ratgeber Radpflege im Winter.",
        "Alle aktuellen Entwicklungen zur Hochwasserlage finden Sie hier in unserem Newsblog.",
        # A like button.
        "Gefällt mir",
        "Gefällt mir Wird geladen …",
        # Privacy consent, however long: first person agreeing to the privacy terms.
        "Ja, ich habe die Datenschutzerklärung zur Kenntnis genommen und bin damit einverstanden, "
        "dass die von mir angegebenen Daten elektronisch erhoben und gespeichert werden. Meine "
        "Daten werden dabei nur streng zweckgebunden zur Bearbeitung und Beantwortung meiner "
        "Anfrage benutzt. Diese Einwilligung kann ich jederzeit für die Zukunft widerrufen.",
        "Ich akzeptiere die Datenschutzbestimmungen.",
        # The privacy notice of a contact form.
        "Wenn Sie uns über das Kontaktformular eine Nachricht schicken, werden Ihre Angaben aus "
        "dem Formular einschließlich der Kontaktdaten, die Sie dort angeben, zur Bearbeitung der "
        "Anfrage und für Anschlussfragen bei uns gespeichert. Diese Daten geben wir nicht weiter.",
    ],
)
def test_new_junk_shapes(block: str) -> None:
    assert is_junk(block)


@pytest.mark.parametrize(
    "block",
    [
        # An opinion that says "gefällt mir" is text, not a like button.
        "Das schlichte Design der Uhr ist ein echter Blickfang und gefällt mir sehr gut.",
        # Where mail lands (dative) is reporting, not an appeal.
        "Seit dem Update landen bei vielen Nutzern wieder mehr Werbemails in ihrem Postfach.",
        # Privacy as the topic of an article.
        "Aus Gründen des Datenschutzes werden die Adressen der Besucher nach sieben Tagen "
        "gelöscht, erklärte die Behörde. Ich halte das für zu lang, sagte der Abgeordnete.",
        "Der Verein hat im vergangenen Jahr zweihundert neue Mitglieder gewonnen.",
        "Weitere Informationen gab die Polizei am Abend nicht bekannt.",
    ],
)
def test_look_alikes_stay_text(block: str) -> None:
    assert not is_junk(block)


@pytest.mark.parametrize(
    "block",
    [
        "Diese Artikel könnten Sie ebenfalls interessieren",
        "Das könnte dir auch gefallen",
        "Dir könnte auch gefallen:",
        "Diese Beiträge könnten dich interessieren:",
        # The foot of public broadcasters' and tech sites' articles (seen on real pages).
        "Schlagwörter zu diesem Artikel",
        "Dieses Thema im Programm:",
        "Themen:",
    ],
)
def test_related_story_headers_are_section_breaks(block: str) -> None:
    assert is_section_break(block)


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("Weiterlesen", True),
        ("Mehr erfahren »", True),
        ("Jetzt herunterladen!", True),
        ("Zum Artikel", True),
        ("Weiterlesen lohnt sich, denn der zweite Teil ist spannender.", False),
        ("Mehr erfahren wollte die Kommission nicht.", False),
    ],
)
def test_read_more_links(block: str, expected: bool) -> None:
    assert is_read_more(block) is expected


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("Über mich", True),
        ("Über uns", True),
        ("Über den Autor", True),
        ("Über Anna Muster", True),
        ("Zur Person", True),
        ("Die Autorin", True),
        # A sentence or a long subheading that starts with "Über" is text.
        ("Über 100 Menschen kamen zur Demonstration.", False),
        ("Über die Geschichte des Ortes und seiner Menschen heute", False),
        ("Übersicht", False),
    ],
)
def test_about_box_headers(block: str, expected: bool) -> None:
    assert is_about_header(block) is expected
