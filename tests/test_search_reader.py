"""/search ranks as a reader would: headline and lead first, all-but-one words after, an outlet
found by the names the outlet table knows, and an emptied result names the exclusion that
emptied it. On SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.alerts import alert_matches, alert_words
from bot.commands import Context, handle
from bot.digest import build_digests, plan_chat
from bot.records import NewArticle, Reply
from bot.render import to_plain
from bot.store import Storage, open_store
from tests.conftest import newsbot

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)

RENTE = NewArticle(
    title="Bundestag beschließt Rentenpaket",
    source="dpa",
    body=(
        "Berlin (dpa) - Der Bundestag hat das Rentenpaket der Koalition beschlossen. Das "
        "Rentenniveau soll bis 2031 bei 48 Prozent gehalten werden, die Mütterrente wird "
        "ausgeweitet. Die Opposition kritisierte die Kosten für die jüngere Generation scharf. "
        "Der Bundesrat muss noch zustimmen, eine Mehrheit gilt als sicher."
    ),
    summary=(),
    published=NOW - timedelta(days=1),
    url="https://www.zeit.de/news/2026-12/05/rentenpaket",
)
GLUEHWEIN = NewArticle(
    title="Glühwein wird auf Münchner Christkindlmarkt teurer",
    source="Süddeutsche Zeitung",
    body=(
        "Auf dem Christkindlmarkt am Marienplatz kostet ein Becher Glühwein in diesem Jahr fünf "
        "Euro, fünfzig Cent mehr als im Vorjahr. Die Standbetreiber verweisen auf gestiegene "
        "Kosten für Energie, Personal und Zucker. Der Verband der Schausteller rechnet dennoch "
        "mit einem guten Geschäft, die ersten Wochenenden seien sehr voll gewesen. Am Stand "
        "neben dem Rathaus stehen die Leute um die Mittagszeit in langen Schlangen. Viele "
        "Besucher nehmen die Preise gelassen, sie kämen wegen der Stimmung. Eine Besucherin "
        "erzählt, sie komme seit Beginn ihrer Rente jedes Jahr hierher, und die Rente reiche "
        "dafür gerade noch."
    ),
    summary=(),
    published=NOW - timedelta(hours=2),
    url="https://www.sueddeutsche.de/muenchen/gluehwein-1.234",
)
HOCHZEIT = NewArticle(
    title="Dieter Bohlen hat geheiratet",
    source="FAZ",
    body=(
        "Dieter Bohlen und seine Partnerin Carina Walz haben sich an Silvester auf den Malediven "
        "das Jawort gegeben. Nach zwanzig gemeinsamen Jahren habe er sich das gut überlegt, "
        "schrieb der Musikproduzent auf Instagram zu einem Video der Feier am Strand."
    ),
    summary=(),
    published=NOW - timedelta(days=1),
    url="https://www.faz.net/aktuell/gesellschaft/menschen/bohlen-geheiratet.html",
)
VENEZUELA = [
    NewArticle(
        title="Russland schickt Militärberater nach Venezuela",
        source="dpa",
        body=(
            "Moskau hat nach Angaben aus Caracas weitere Militärberater nach Venezuela "
            "geschickt. Die Regierung von Präsident Maduro sprach von einer Zusammenarbeit bei "
            "der Luftabwehr, Russland bestätigte die Reise zunächst nicht."
        ),
        summary=(),
        published=NOW - timedelta(hours=1),
        url="https://example.org/venezuela-berater",
    ),
    NewArticle(
        title="Kreml: Keine Einmischung in Venezuela",
        source="Reuters",
        body=(
            "Der Kremlsprecher wies Berichte zurück, Russland mische sich in den Streit zwischen "
            "Washington und Caracas ein. Venezuela sei ein souveräner Staat, sagte er vor "
            "Journalisten in Moskau, man beobachte die Lage in der Karibik aufmerksam."
        ),
        summary=(),
        published=NOW - timedelta(hours=3),
        url="https://example.org/kreml-venezuela",
    ),
]


@pytest.fixture
def store(any_store: Storage) -> Storage:
    """The reader's search on SQLite and on PostgreSQL."""
    return any_store


def say(store: Storage, text: str) -> str:
    reply = handle(text, Context("telegram:1", NOW, "telegram:5"), store)
    assert isinstance(reply, Reply)
    return to_plain(reply)


def test_a_headline_match_outranks_a_passing_mention_deep_in_the_body(store: Storage) -> None:
    store.articles.add_articles([RENTE, GLUEHWEIN], NOW)
    shown = say(store, "/search Rente")
    assert shown.index("Bundestag beschließt Rentenpaket") < shown.index("Glühwein wird")


def test_articles_with_all_words_but_one_follow_and_are_said_to(store: Storage) -> None:
    store.articles.add_articles([HOCHZEIT, GLUEHWEIN], NOW)
    shown = say(store, "/search Bohlen Hochzeit")
    assert "Kein Artikel enthält alle Wörter von „Bohlen Hochzeit“" in shown
    assert "Dieter Bohlen hat geheiratet" in shown
    assert "Glühwein" not in shown
    # A quoted phrase must hold as typed: nothing is offered in its place.
    assert "Keine Artikel" in say(store, '/search "Bohlen Hochzeit"')


def test_quelle_finds_an_outlet_by_any_name_the_outlet_table_knows(store: Storage) -> None:
    store.articles.add_articles([RENTE, GLUEHWEIN], NOW)
    for typed in ("sz", "SZ", "sueddeutsche.de", "Süddeutsche"):
        shown = say(store, f"/search Kosten quelle:{typed}")
        assert "1 Treffer" in shown, typed
        assert "Glühwein wird auf Münchner Christkindlmarkt teurer" in shown, typed
    # A name that names no stored outlet is said so, with the choice.
    unknown = say(store, "/search Kosten quelle:ARD")
    assert "Die Quelle „ARD“ kenne ich nicht. Zur Wahl: dpa, Süddeutsche Zeitung." in unknown


def test_an_emptied_result_names_the_exclusion(store: Storage) -> None:
    store.articles.add_articles(VENEZUELA, NOW)
    shown = say(store, "/search venezuela -russland")
    assert "2 Treffer wegen -russland ausgeschlossen" in shown


def test_spelled_umlauts_fullwidth_letters_and_zero_width_marks_find_the_word(
    store: Storage,
) -> None:
    store.articles.add_articles([GLUEHWEIN], NOW)
    for typed in ("Gluehwein", "Muenchner", "ＭÜＮＣＨＮＥＲ", "Glüh\u200dwein", "Glüh\u200cwein"):
        shown = say(store, f"/search {typed}")
        assert "Glühwein wird auf Münchner Christkindlmarkt teurer" in shown, typed


def test_an_alert_in_another_word_form_is_the_same_alert(store: Storage) -> None:
    assert "Diesen Alarm hast du schon" not in say(store, "/alert venezuela")
    assert "Diesen Alarm hast du schon" in say(store, "/alert Venezuelas")
    assert "Diesen Alarm hast du schon" not in say(store, "/alert München")
    assert "Diesen Alarm hast du schon" in say(store, "/alert Muenchen")
    assert "Diesen Alarm hast du schon" not in say(store, "/alert Venezuela Russland")
    # A name's genitive typed in lower case, as on a phone, is the name; a dictionary word in
    # -as is not taken for one ("etwas" is no form of "etwa").
    assert "Diesen Alarm hast du schon" not in say(store, "/alert Maduro")
    assert "Diesen Alarm hast du schon" in say(store, "/alert maduros")
    assert "Diesen Alarm hast du schon" not in say(store, "/alert etwa")
    assert "Diesen Alarm hast du schon" not in say(store, "/alert etwas")


def test_a_topic_takes_stories_about_it_not_a_passing_mention(store: Storage) -> None:
    store.articles.add_articles([RENTE, GLUEHWEIN], NOW)
    say(store, "/start")
    say(store, "/settings themen Rente")
    plan = plan_chat(store, "telegram:1", NOW, default_zone="Europe/Berlin", fresh=True)
    digest = build_digests(store, {"": plan}, NOW)[""]
    assert [s.headline for s in digest.stories] == ["Bundestag beschließt Rentenpaket"]


def test_a_minus_word_leaves_out_what_the_word_finds(store: Storage) -> None:
    # "Rente" finds the Rentenpaket article through its compound, and an alert's or a topic's
    # "-Rente" leaves it out: so does the search's, with words and with filters alone.
    store.articles.add_articles([RENTE, HOCHZEIT], NOW)
    assert "Bundestag beschließt Rentenpaket" in say(store, "/search Rente")
    assert not alert_matches(alert_words("Bundestag -Rente"), f"{RENTE.title}\n{RENTE.body}")
    shown = say(store, "/search Bundestag -Rente")
    assert "Bundestag beschließt Rentenpaket" not in shown
    assert "1 Treffer wegen -Rente ausgeschlossen" in shown
    assert "Bundestag beschließt Rentenpaket" not in say(store, "/search quelle:dpa -Rente")


def test_quelle_takes_an_outlet_name_in_quotes(store: Storage) -> None:
    store.articles.add_articles([RENTE, GLUEHWEIN], NOW)
    for typed in ('"Süddeutsche Zeitung"', "„Süddeutsche Zeitung“", '"sz"'):
        shown = say(store, f"/search Kosten quelle:{typed}")
        assert "1 Treffer" in shown, typed
        assert "Glühwein wird auf Münchner Christkindlmarkt teurer" in shown, typed
        assert "Glühwein wird" in say(store, f"/search quelle:{typed}"), typed


def _article(title: str, source: str, body: str, url: str) -> NewArticle:
    return NewArticle(
        title=title,
        source=source,
        body=body,
        summary=(),
        published=NOW - timedelta(hours=4),
        url=url,
    )


WIEN = _article(
    "Heizkosten in Wien steigen weiter",
    "Österreich",
    "Die Kosten für Fernwärme steigen in Wien zum dritten Mal in diesem Jahr, meldet der "
    "Versorger. Mieter sollen im Schnitt achtzig Euro mehr im Jahr zahlen.",
    "https://www.oe24.at/wien/heizkosten",
)
# Stored as some feeds send it: the umlaut decomposed (a and a combining diaeresis).
KLAGENFURT = _article(
    "Klagenfurt baut neue Brücke über die Glan",
    "Ka\u0308rntner Woche",
    "Die Kosten der neuen Brücke über die Glan trägt zur Hälfte das Land, sagte der "
    "Bürgermeister bei der Vorstellung der Pläne am Montag.",
    "https://www.meinbezirk.at/kaernten/bruecke",
)
MOSKAU = _article(
    "Moskauer Zeitung berichtet über Haushalt",
    "Новая газета",
    "Die Kosten des Haushalts wachsen, schreibt die Zeitung in ihrer Ausgabe vom Montag.",
    "https://novayagazeta.example/haushalt",
)


def test_quelle_finds_an_outlet_whatever_its_case_normal_form_and_umlaut_spelling(
    store: Storage,
) -> None:
    # SQLite's LIKE folds ASCII letters only; an outlet's name is matched as search matches a
    # word: any case, either Unicode form, ae/oe/ue for the umlaut, on both backends.
    store.articles.add_articles([RENTE, GLUEHWEIN, WIEN, KLAGENFURT, MOSKAU], NOW)
    wanted = {
        "Heizkosten in Wien steigen weiter": (
            "österreich", "ÖSTERREICH", "Österreich", "O\u0308sterreich", "oesterreich",
            "OESTERREICH", "Oesterreich", "sterreich",
        ),
        "Klagenfurt baut neue Brücke über die Glan": (
            "kärntner", "KÄRNTNER", "Kärntner", "kaerntner", "KAERNTNER", '"kärntner woche"',
            '"KAERNTNER WOCHE"',
        ),
        "Glühwein wird auf Münchner Christkindlmarkt teurer": (
            "süddeutsche", "SÜDDEUTSCHE", "sueddeutsche", "SUEDDEUTSCHE", '"SÜDDEUTSCHE ZEITUNG"',
            '"sueddeutsche zeitung"', "zeitung",
        ),
        "Moskauer Zeitung berichtet über Haushalt": ("новая", "НОВАЯ", "Новая", '"НОВАЯ ГАЗЕТА"'),
    }  # fmt: skip
    missed = []
    for title, typed in wanted.items():
        for value in typed:
            for words in ("Kosten ", ""):
                shown = say(store, f"/search {words}quelle:{value}")
                if title not in shown:
                    missed.append(f"{words}quelle:{value}")
    assert missed == [], missed
    # Only that outlet's articles, not every outlet's.
    assert "1 Treffer" in say(store, "/search Kosten quelle:ÖSTERREICH")
    assert "Die Quelle „OESTERREICHER“ kenne ich nicht" in say(
        store, "/search quelle:OESTERREICHER"
    )


def test_a_chat_chooses_its_outlets_by_any_case_normal_form_and_umlaut_spelling(
    store: Storage,
) -> None:
    # /settings quellen takes whole names, matched as `quelle:` matches them.
    store.articles.add_articles([RENTE, WIEN, KLAGENFURT], NOW)
    say(store, "/start")
    for typed, chosen in (
        ("ÖSTERREICH", "Österreich"),
        ("oesterreich", "Österreich"),
        ("Kärntner Woche", KLAGENFURT.source),
        ("KAERNTNER WOCHE, dpa", f"{KLAGENFURT.source}, dpa"),
    ):
        shown = say(store, f"/settings quellen {typed}")
        assert f"Gespeichert. Quellen (Überblick, Alarme, Eilmeldungen): {chosen}" in shown, typed
    assert "kenne ich nicht" in say(store, "/settings quellen oesterreicher")


ATHEN = _article(
    "Selenskyj trifft Mitsotakis in Athen",
    "Καθημερινή",
    "Зеленский und Μητσοτάκης sprachen in Αθήνα über Getreide. Vor dem Parlament stand eine "
    "ёлка, geschmückt von Жуков. Auch Erdoğan wurde erwartet.",
    "https://example.org/athen",
)


def test_words_of_other_scripts_are_folded_alike_on_both_backends(store: Storage) -> None:
    # Case is folded and Latin letters lose their diacritics, as FTS5's `unicode61
    # remove_diacritics 2` folds them; й, ё and Greek accented letters stay letters of their
    # own (FTS5 keeps them, and so does the search's own folding of words), on both backends;
    # in an outlet's name (`quelle:`) as in words.
    store.articles.add_articles([ATHEN], NOW)
    found = (
        "Зеленский", "ЗЕЛЕНСКИЙ", "зеленский", "Μητσοτάκης", "ΜΗΤΣΟΤΆΚΗΣ", "Αθήνα", "ΑΘΉΝΑ",
        "ёлка", "ЁЛКА", "Жуков", "ЖУКОВ", "жуков", "Erdoğan", "ERDOĞAN", "Erdogan", "erdogan",
    )  # fmt: skip
    found += ("quelle:καθημερινή", "quelle:ΚΑΘΗΜΕΡΙΝΉ", "Αθήνα quelle:Καθημερινή")
    apart = ("Зеленскии", "зеленскии", "Μητσοτακης", "Αθηνα", "αθηνα", "елка", "ЕЛКА")
    apart += ("quelle:καθημερινη", "Αθήνα quelle:ΚΑΘΗΜΕΡΙΝΗ")
    wrong = [w for w in found if "Selenskyj trifft" not in say(store, f"/search {w}")]
    wrong += [w for w in apart if "Selenskyj trifft" in say(store, f"/search {w}")]
    assert wrong == [], wrong


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_newsbot_search_finds_an_outlet_by_any_case_and_umlaut_spelling(
    request: pytest.FixtureRequest, db_path: Path, backend: str
) -> None:
    target = str(db_path) if backend == "sqlite" else request.getfixturevalue("postgres_url")
    opened = open_store(target)
    opened.articles.add_articles([RENTE, WIEN], NOW)
    opened.close()
    for value in ("österreich", "OESTERREICH", "O\u0308STERREICH"):
        result = newsbot("search", f"quelle:{value}", env={"NEWSBOT_DB": target})
        assert result.returncode == 0, (value, result.stdout, result.stderr)
        assert "Heizkosten in Wien steigen weiter" in result.stdout, value
        assert "Rentenpaket" not in result.stdout, value


ANKARA = _article(
    "Die Erdoğanregierung erhöht den Druck",
    "dpa",
    "Die Erdoğanregierung hat am Montag neue Gesetze gegen die Opposition vorgelegt, Kritiker "
    "sprechen von einem weiteren Schritt gegen die Pressefreiheit.",
    "https://example.org/ankara",
)
ISTANBUL = _article(
    "Opposition in Istanbul protestiert",
    "dpa",
    "Tausende zogen am Abend gegen die Erdoganregierung durch die Innenstadt von Istanbul, "
    "die Polizei setzte Wasserwerfer ein.",
    "https://example.org/istanbul",
)


def test_a_compound_is_found_by_its_part_in_either_spelling(store: Storage) -> None:
    """`Erdogan` finds "Erdoğanregierung" and `Erdoğan` "Erdoganregierung", as it finds the
    word alone in either spelling, on both backends."""
    store.articles.add_articles([ANKARA], NOW)
    for typed in ("Erdogan", "ERDOGAN", "Erdoğan", "Erdoganregierung"):
        assert "Erdoğanregierung erhöht" in say(store, f"/search {typed}"), typed
    store.articles.add_articles([ISTANBUL], NOW)
    for typed in ("Erdogan", "Erdoğan", "ERDOĞAN", "Erdoganregierung", "Erdoğanregierung"):
        shown = say(store, f"/search {typed}")
        assert "Erdoğanregierung erhöht" in shown, typed
        assert "Istanbul protestiert" in shown, typed


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_stored_compounds_are_folded_when_the_store_is_opened(
    request: pytest.FixtureRequest, db_path: Path, backend: str
) -> None:
    """A store written before compounds were folded: opening it folds them (m027), counts of
    spellings that fold alike added, and `Erdogan` then finds the compound."""
    target = str(db_path) if backend == "sqlite" else request.getfixturevalue("postgres_url")
    opened = open_store(target)
    opened.articles.add_articles([ANKARA, ISTANBUL], NOW)
    # As the store held them before: each spelling its own row.
    opened.db.execute("UPDATE compounds SET articles = 1 WHERE stem = 'erdoganregier'")
    opened.db.execute(
        "INSERT INTO compounds (stem, tail, articles) VALUES ('erdoğanregier', 'reigernağodre', 1)"
    )
    table = "_sqlite_migrations" if backend == "sqlite" else "newsbot_migrations"
    # Only fixed SQL is joined here.
    opened.db.execute(f"DELETE FROM {table} WHERE name = 'm027_compounds_folded'")  # noqa: S608
    opened.close()
    reopened = open_store(target)
    try:
        rows = reopened.db.execute(
            "SELECT stem, tail, articles FROM compounds WHERE stem LIKE 'erd%'"
        )
        found = rows.fetchall() if backend == "sqlite" else rows.rows  # type: ignore[union-attr]
        assert [tuple(r) for r in found] == [("erdoganregier", "reigernagodre", 2)]
        assert "Erdoğanregierung erhöht" in say(reopened, "/search Erdogan")
    finally:
        reopened.close()
