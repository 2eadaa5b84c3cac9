"""`newsbot ingest --jsonl` and `newsbot search --jsonl`: a day of items in, rankings out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import newsbot

pytestmark = pytest.mark.integration
ITEMS = Path(__file__).parent / "data" / "items_2026-12-06.jsonl"


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_items_are_stored_like_articles_and_a_bad_line_is_named(db_path: Path) -> None:
    result = newsbot("ingest", "--jsonl", db=db_path, stdin=ITEMS.read_text(encoding="utf-8"))
    assert result.returncode == 1  # one line was not an item
    rows = _lines(result.stdout)
    assert [r["status"] for r in rows[:3]] == ["added", "added", "added"]
    assert rows[4]["error"].startswith("line 5:")
    # The stored item reads as any article does: headline, outlet, date and its teaser.
    shown = newsbot("search", "Fernverkehr", db=db_path)
    # CLI dates follow the language (German by default).
    assert "Bahn nimmt Fernverkehr nach Sturm wieder auf — tagesschau, 06.12.2026" in shown.stdout
    assert "Nach dem Sturmtief rollen die ICE-Züge" in shown.stdout
    again = newsbot("ingest", "--jsonl", db=db_path, stdin=ITEMS.read_text(encoding="utf-8"))
    assert [r["status"] for r in _lines(again.stdout)[:3]] == ["duplicate"] * 3


def test_search_jsonl_answers_each_query_as_search_ranks(db_path: Path) -> None:
    newsbot("ingest", "--jsonl", db=db_path, stdin=ITEMS.read_text(encoding="utf-8"))
    asks = "\n".join(
        json.dumps({"id": i, "query": q})
        for i, q in (("a", "Sturm Bahn"), ("b", "Eurovision"), ("c", "Rentenpaket"))
    )
    result = newsbot("search", "--jsonl", "--limit", "3", db=db_path, stdin=asks + "\n")
    assert result.returncode == 0, result.stderr
    answers = {r["id"]: r["results"] for r in _lines(result.stdout)}
    assert [r["url"] for r in answers["a"]] == [
        "https://www.tagesschau.de/inland/bahn-fernverkehr-sturm-100.html"
    ]
    assert answers["a"][0]["source"] == "tagesschau"
    assert answers["a"][0]["published"].startswith("2026-12-06T06:15:00")
    assert answers["b"] == []
    assert answers["c"][0]["title"] == "Bundestag beschließt Rentenpaket"


def test_ingest_wants_paths_or_jsonl(db_path: Path) -> None:
    result = newsbot("ingest", db=db_path)
    assert result.returncode == 2
    assert "--jsonl" in result.stderr
