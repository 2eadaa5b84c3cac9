"""A page dump names its outlet where publishers name themselves: a masthead line at the top
("Süddeutsche Zeitung"), a copyright, source or follow line at the foot ("© DER SPIEGEL 2026",
"Quelle: dpa", "Folgen Sie der SZ auf Instagram"). The reader sees that outlet in `/latest` and
the digest instead of "unbekannte Quelle", and `quelle:` finds it; a menu word is never taken
for a publisher."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.commands import Context, handle
from bot.ingest.files import ingest_paths
from bot.records import Reply
from bot.render import to_plain
from bot.store import Storage

NOW = datetime(2026, 12, 5, 19, 0, tzinfo=UTC)
HEADLINE = "Bundestag beschließt Rentenpaket mit knapper Mehrheit"
BODY = """Der Bundestag hat das umstrittene Rentenpaket der Bundesregierung mit knapper Mehrheit \
beschlossen. Für das Gesetz stimmten 318 Abgeordnete, 305 votierten dagegen.

Das Rentenniveau soll damit bis zum Jahr 2031 bei 48 Prozent gehalten werden. Kritiker hatten \
bis zuletzt vor steigenden Beiträgen für die jüngere Generation gewarnt.

Die Arbeitsministerin verteidigte das Paket. Es gehe um Verlässlichkeit für Millionen Menschen, \
sagte sie in der Debatte. Der Bundesrat muss dem Gesetz noch zustimmen."""


def dump(head: str = "", foot: str = "") -> str:
    return f"{head}\n\n{HEADLINE}\n\n05.12.26, 14.20 Uhr\n\n{BODY}\n\n{foot}\n".strip() + "\n"


@pytest.mark.parametrize(
    ("head", "foot", "outlet"),
    [
        ("Süddeutsche Zeitung", "", "Süddeutsche Zeitung"),
        ("DER SPIEGEL\n\nPolitik", "", "DER SPIEGEL"),
        ("tagesschau.de", "", "tagesschau"),
        ("", "© DER SPIEGEL 2026", "DER SPIEGEL"),
        ("", "© Süddeutsche Zeitung GmbH, München", "Süddeutsche Zeitung"),
        ("", "Copyright © 2026 heise online", "heise online"),
        ("", "Quelle: dpa", "dpa"),
        ("", "Folgen Sie der SZ auf Instagram", "Süddeutsche Zeitung"),
    ],
)
def test_a_masthead_or_foot_line_names_the_outlet(
    any_store: Storage, tmp_path: Path, head: str, foot: str, outlet: str
) -> None:
    # The file name says nothing, so only the page can.
    (tmp_path / "rentenpaket.txt").write_text(dump(head, foot), encoding="utf-8")
    [result] = ingest_paths(any_store, [tmp_path], NOW, workers=0)
    assert result.status == "added"
    [article] = any_store.articles.latest(5)
    assert article.source == outlet
    assert article.title == HEADLINE
    assert article.kicker == ""  # a masthead right above the headline is no kicker
    for language in ("de", "en"):
        context = Context("telegram:1", NOW, "telegram:5")
        handle(f"/language {language}", context, any_store)
        reply = handle("/latest", context, any_store)
        assert isinstance(reply, Reply)
        assert f"{HEADLINE} — {outlet}, " in to_plain(reply)
        found = handle(f"/search rentenpaket quelle:{outlet.split()[-1]}", context, any_store)
        assert isinstance(found, Reply)
        assert HEADLINE in to_plain(found)


@pytest.mark.parametrize("head", ["Startseite", "Presse", "Netzpolitik\n\nStartseite"])
def test_a_menu_word_at_the_top_is_no_outlet(any_store: Storage, tmp_path: Path, head: str) -> None:
    (tmp_path / "rentenpaket.txt").write_text(dump(head, "(Foto: dpa)"), encoding="utf-8")
    list(ingest_paths(any_store, [tmp_path], NOW, workers=0))
    [article] = any_store.articles.latest(5)
    assert article.source == ""
    reply = handle("/latest", Context("telegram:1", NOW, "telegram:5"), any_store)
    assert isinstance(reply, Reply)
    assert "unbekannte Quelle" in to_plain(reply)
