"""`newsbot stories --jsonl`: the digest's grouping over JSONL items, one label per line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import newsbot

ITEMS = [
    {"id": "a", "title": "Brand in Crans-Montana: Viele Tote in Bar im Schweizer Skiort",
     "text": "In der Silvesternacht bricht in einer Bar in Crans-Montana ein Feuer aus.",
     "source": "dpa", "published": "2026-01-02T08:00:00+01:00", "url": "https://dpa/a"},
    {"id": "b", "title": "Feuer in Crans-Montana: Behörden sprechen von rund 40 Toten",
     "text": "Die Walliser Polizei meldet rund 40 Tote nach dem Brand in der Bar in Crans-Montana.",
     "source": "SZ", "published": "2026-01-02T09:00:00+01:00", "url": None},
    {"id": "c", "title": "Bundesverfassungsgericht billigt Solidaritätszuschlag",
     "text": "Karlsruhe weist die Verfassungsbeschwerde gegen den Solidaritätszuschlag ab.",
     "source": "FAZ", "published": "2026-01-02T10:00:00+01:00", "url": None},
]  # fmt: skip


def test_stories_jsonl_groups_items_and_reports_bad_lines(db_path: Path) -> None:
    lines = [json.dumps(item) for item in ITEMS]
    lines.insert(1, "not json")
    lines.append(json.dumps({"id": "d", "text": "ohne Titel"}))
    out = newsbot("stories", "--jsonl", db=db_path, stdin="\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", None, "b", "c", "d"]
    story = {r["id"]: r["story"] for r in rows if "story" in r}
    assert story["a"] == story["b"] != story["c"]
    assert "line 2" in rows[1]["error"]
    assert "title" in rows[4]["error"]


# Three outlets' reviews of the year on New Year's Eve: different pieces that share only the
# word for what they are, beside one event two outlets report.
REVIEWS = [
    ("r1", "SPIEGEL", "Jahresrückblick: So schauen unsere Kolumnisten auf 2025",
     "Zwölf Kolumnistinnen und Kolumnisten erzählen, was sie in diesem Jahr bewegt hat."),
    ("r2", "ZEIT ONLINE", "Jahresrückblick: Was wissen Sie noch über 2025?",
     "Testen Sie Ihr Wissen in unserem Quiz zu den Nachrichten des Jahres."),
    ("r3", "SZ", "Jahresrückblick: Besser leben 2025",
     "Was wir in diesem Jahr über Schlaf, Ernährung und Bewegung gelernt haben."),
    ("e1", "FAZ", "Einbruch in Gelsenkirchen: Diebe räumen Sparkassen-Tresor aus",
     "Unbekannte haben in Gelsenkirchen Hunderte Schließfächer einer Sparkasse aufgebrochen."),
    ("e2", "WELT", "Sparkassen-Tresor in Gelsenkirchen: Ermittler schätzen Beute auf Millionen",
     "Nach dem Einbruch in den Tresorraum der Sparkasse in Gelsenkirchen ermittelt die Polizei."),
]  # fmt: skip


def test_reviews_of_the_year_are_not_one_story(db_path: Path) -> None:
    items = [
        {"id": i, "title": title, "text": text, "source": source,
         "published": "2025-12-31T10:00:00+01:00", "url": None}
        for i, source, title, text in REVIEWS
    ]  # fmt: skip
    out = newsbot("stories", "--jsonl", db=db_path, stdin="\n".join(map(json.dumps, items)))
    assert out.returncode == 0, out.stderr
    story = {row["id"]: row["story"] for row in map(json.loads, out.stdout.splitlines())}
    assert story["e1"] == story["e2"]
    assert len({story["r1"], story["r2"], story["r3"], story["e1"]}) == 4
