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
