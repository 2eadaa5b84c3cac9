"""A page's standfirst (the publisher's teaser under the headline) leads its digest entry, even
when it is set without a full stop; the dateline paragraph below it does not say the lead again,
and no dateline shows. Page dumps go in through ingest, the digest comes out as a reader sees
it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bot.digest import build_digests, plan_day
from bot.ingest.files import ingest_paths
from bot.records import ChatSettings
from bot.render import render_digest, to_plain
from bot.store import Store
from tests.conftest import newsbot

NOW = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)

# The agency layout: headline, date line, a standfirst without a full stop, then the report
# opening with its dateline and saying the lead again at more length.
AGENCY = """Startseite

Politik

Rentenpaket

Bundestag beschließt Rentenpaket nach monatelangem Streit

05.12.2026, 13:05 Uhr

Das Rentenniveau bleibt bis 2031 bei 48 Prozent, die Mütterrente wird ausgeweitet – die \
Opposition spricht von einem teuren Fehler für die junge Generation

Berlin (dpa) - Der Bundestag hat das Rentenpaket der Koalition am Freitag mit knapper Mehrheit \
beschlossen. Für das Gesetz stimmten 318 Abgeordnete, 301 votierten dagegen. Zuvor hatte die \
Unionsfraktion bis zuletzt über die Kosten für die jüngere Generation gestritten.

Die Koalition hält das Rentenniveau damit bis zum Jahr 2031 stabil. Ohne das Gesetz wäre es nach \
Berechnungen des Arbeitsministeriums bis 2035 auf rund 45 Prozent gesunken. Die Kosten dafür \
tragen vor allem die Beitragszahler, deren Beitrag von 2028 an steigen soll.

Der Bundesrat muss dem Gesetz noch zustimmen. Eine Mehrheit in der Länderkammer gilt als sicher, \
die Abstimmung ist für den 19. Dezember geplant.

@ dpa.de
"""

# A regional page: a standfirst with its full stop, then a paragraph opening with a place
# dateline that repeats the standfirst's news.
REGIONAL = """Köln

Stadtrat beschließt Haushalt mit Rekordinvestitionen in Schulen

Der Stadtrat hat den Haushalt für 2027 beschlossen. Die Stadt will so viel wie nie in Schulen \
investieren.

Köln – Der Stadtrat hat am Donnerstagabend den Haushalt für das Jahr 2027 beschlossen. Für den \
Bau und die Sanierung von Schulen sind 480 Millionen Euro vorgesehen, so viel wie nie zuvor.

Die Opposition kritisierte die hohe Neuverschuldung von 350 Millionen Euro und forderte \
Einsparungen in der Verwaltung. Der Kämmerer verteidigte den Plan: Ohne die Investitionen würden \
die Schulgebäude weiter verfallen, und das komme die Stadt später teurer.

Der Haushalt muss noch von der Bezirksregierung genehmigt werden. Eine Entscheidung wird im \
Frühjahr erwartet.
"""


# A short local report: the paragraph under the first opens with a place dateline.
LOCAL = """Bonn

Rhein-Fähre stellt den Betrieb nach Hochwasser vorübergehend ein

Die Fähre zwischen Bonn-Mehlem und Königswinter fährt wegen des Hochwassers bis auf Weiteres \
nicht mehr.

Bonn – Der Pegel des Rheins hat am Mittwochmorgen die Marke von 7,50 Metern überschritten, \
ab der die Fähre aus Sicherheitsgründen im Hafen bleiben muss.

Pendler sollen auf die Brücken in Bonn und Bad Honnef ausweichen, die Busse der Linie 537 \
fahren bis zum Ende der Sperre in dichterem Takt.
"""


def digest_text(store: Store, folder: Path, pages: dict[str, str]) -> str:
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    results = list(ingest_paths(store, [folder], NOW, workers=0))
    assert [r.status for r in results] == ["added"] * len(pages), results
    plan = plan_day(NOW.date(), "Europe/Berlin", ChatSettings(language="de", sentences=3))
    digest = build_digests(store, {"": plan}, NOW)[""]
    return to_plain(render_digest(digest, "de", calendar_day=True))


def test_a_standfirst_without_full_stop_leads_the_entry(store: Store, tmp_path: Path) -> None:
    shown = digest_text(store, tmp_path, {"dpa-rentenpaket.txt": AGENCY})
    assert "Bundestag beschließt Rentenpaket nach monatelangem Streit" in shown
    standfirst = shown.index(
        "Das Rentenniveau bleibt bis 2031 bei 48 Prozent, die Mütterrente wird ausgeweitet – "
        "die Opposition spricht von einem teuren Fehler für die junge Generation. Der Bundestag"
    )
    # It comes first, closed with a full stop, and the report's dateline is gone.
    assert standfirst < shown.index("Der Bundestag hat das Rentenpaket der Koalition")
    assert "(dpa)" not in shown


def test_a_dated_paragraph_under_a_standfirst_does_not_repeat_it(
    store: Store, tmp_path: Path
) -> None:
    shown = digest_text(store, tmp_path, {"haushalt-koeln.txt": REGIONAL})
    assert "Der Stadtrat hat den Haushalt für 2027 beschlossen." in shown
    assert "Köln –" not in shown
    assert shown.count("beschlossen") == 1, shown


def test_no_dateline_shows_where_a_paragraph_opens_with_one(store: Store, tmp_path: Path) -> None:
    shown = digest_text(store, tmp_path, {"faehre-bonn.txt": LOCAL})
    assert "Der Pegel des Rheins hat am Mittwochmorgen die Marke" in shown
    assert "Bonn –" not in shown


# A report whose first paragraph is a standfirst set without a full stop.
STORM = [
    "Wegen des Sturmtiefs hat die Deutsche Bahn den Fernverkehr in ganz Norddeutschland bis "
    "Freitagmittag eingestellt",
    "Umgestürzte Bäume blockierten am Donnerstagabend an mehreren Stellen die Gleise zwischen "
    "Hamburg, Bremen und Hannover, teilte ein Sprecher der Bahn mit. Die Bahn richtete an den "
    "großen Bahnhöfen Aufenthaltszüge für gestrandete Reisende ein.",
    "Der Deutsche Wetterdienst warnte für die Nacht vor orkanartigen Böen an der Küste. Erst "
    "am Freitagmittag soll der Sturm nachlassen, dann will die Bahn die Strecken freigeben.",
    "Fahrgäste, die ihre Reise wegen des Sturms verschieben, können ihr Ticket flexibel "
    "nutzen oder sich den Fahrpreis erstatten lassen.",
]


def test_a_standfirst_paragraph_of_a_titled_text_stays_in_body_and_leads_the_summary(
    tmp_path: Path,
) -> None:
    # Paragraphs set apart by blank lines, the headline given apart: the cleaner reads the
    # unstopped first paragraph as a headline, but the headline is known, so it is the standfirst.
    line = json.dumps(
        {"id": 1, "title": "Bahn stoppt Fernverkehr im Norden", "text": "\n\n".join(STORM)},
        ensure_ascii=False,
    )
    result = newsbot("summarize", "--jsonl", db=tmp_path / "n.db", stdin=line)
    out = json.loads(result.stdout)
    assert out["title"] == "Bahn stoppt Fernverkehr im Norden"
    assert out["body"].startswith(STORM[0])
    assert out["summary"][0] == f"{STORM[0]}."
