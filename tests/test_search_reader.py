"""/search ranks as a reader would: headline and lead first, all-but-one words after, an outlet
found by the names the outlet table knows, and an emptied result names the exclusion that
emptied it. On SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.alerts import alert_matches, alert_words
from bot.commands import Context, handle
from bot.digest import build_digests, plan_chat
from bot.records import NewArticle, Reply
from bot.render import to_plain
from bot.store import Storage

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
    assert "aber keinen mit „quelle:ARD“" in say(store, "/search Kosten quelle:ARD")


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
