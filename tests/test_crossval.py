"""The cleaning protocol of tools.crossval: folds by host, held-out lines, other splits."""

from __future__ import annotations

import json
from pathlib import Path

from summarizer.ranking import sentence_model
from tests.conftest import newsbot
from tools.crossval import crossval_cleaning
from tools.train import load_docs, summary_of

_TOPICS = [
    ("Stadtrat", "die Buslinien im Norden der Stadt künftig im Zehn-Minuten-Takt fahren zu lassen"),
    ("Schule", "das alte Schulgebäude am Marktplatz bis zum kommenden Herbst zu sanieren"),
    ("Bibliothek", "die Öffnungszeiten der Stadtbibliothek an den Wochenenden zu verlängern"),
    ("Radwege", "entlang der Hauptstraße einen durchgehenden Radweg auf beiden Seiten zu bauen"),
    ("Schwimmbad", "das Hallenbad im Westen der Stadt trotz der hohen Kosten weiter zu betreiben"),
    ("Markt", "den Wochenmarkt vom Rathausplatz in die neue Markthalle am Bahnhof zu verlegen"),
    ("Park", "im Stadtpark mehr als zweihundert neue Bäume und zahlreiche Bänke aufzustellen"),
    ("Museum", "dem Stadtmuseum für die geplante Ausstellung zusätzliche Mittel zu bewilligen"),
    ("Theater", "die Sanierung des Stadttheaters über mehrere Jahre in Abschnitten zu planen"),
    (
        "Hafen",
        "das frühere Hafengelände für neue Wohnungen und ein kleines Gewerbegebiet zu öffnen",
    ),
]


def _record(k: int, topic: str, decision: str) -> dict[str, object]:
    first = (
        f"Der Gemeinderat hat am Dienstagabend nach einer langen Debatte beschlossen, {decision}."
    )
    second = (
        f"Die Kosten für das Vorhaben {topic} sollen zu einem großen Teil aus Mitteln des Landes "
        "gedeckt werden, wie die Verwaltung nach der Sitzung mitteilte."
    )
    blocks = ["Startseite", "Politik", "Kontakt", f"Neues zum Thema {topic}", first, second]
    blocks += ["Teilen", "Impressum", "Datenschutz"]
    return {
        "id": f"page-{k}",
        "url": f"https://www.site{k}.example/artikel",
        "text": "\n\n".join(blocks),
        "must_contain": [first[:40], second[-40:]],
        "must_not_contain": ["Impressum", "Startseite"],
    }


def test_cleaning_protocol_reports_folds_pooled_figures_and_other_splits() -> None:
    records = [_record(k, *topic) for k, topic in enumerate(_TOPICS)]
    lines = crossval_cleaning(records, folds=3, splits=2)
    text = "\n".join(lines)
    assert lines[0] == "pages_dev (10 pages), folds by host"
    assert text.count("classifier held-out") == 3 + 2  # each fold, pooled, fold mean
    assert "split 1" in text
    assert lines[-1].strip().startswith("mean over 2 splits")
    held = next(
        line
        for line in lines[lines.index(" all pages (counts pooled over folds)") :]
        if "classifier held-out" in line
    )
    # Articles this plain are cleaned exactly by a model that never saw their host.
    assert "F1 1.000" in held
    assert "empty 0" in held


_PAGES = [
    {
        "id": "dump-with-title",
        "title": "Stadtrat beschließt neuen Takt für die Buslinien",
        "text": "\n\n".join(
            [
                "Startseite",
                "Lokales",
                "Stadtrat beschließt neuen Takt für die Buslinien",
                "Die Busse im Norden der Stadt fahren ab dem Sommer alle zehn Minuten",
                "Köln – Der Stadtrat hat am Dienstagabend nach einer langen Debatte beschlossen, "
                "die Buslinien im Norden der Stadt künftig im Zehn-Minuten-Takt fahren zu lassen. "
                "Die Verwaltung rechnet mit deutlich mehr Fahrgästen auf den betroffenen Linien.",
                "Die Kosten für das Vorhaben sollen zu einem großen Teil aus Mitteln des Landes "
                "gedeckt werden, wie die Verwaltung nach der Sitzung mitteilte. Jede dieser "
                "Zahlungen muss der Landtag noch bestätigen.",
                "Die Opposition kritisierte den Beschluss als zu teuer und forderte, zuerst die "
                "Haltestellen barrierefrei umzubauen, bevor neue Busse angeschafft werden.",
                "3 Kommentare",
                "Leser123: Endlich tut sich etwas im Norden der Stadt, das wurde auch Zeit.",
                "Impressum",
                "Datenschutz",
            ]
        ),
        "summary": "Die Busse im Norden der Stadt fahren ab dem Sommer alle zehn Minuten.",
    },
    {
        "id": "extracted-text",
        "title": "Bibliothek öffnet am Sonntag",
        "text": "\n".join(
            [
                "Die Stadtbibliothek öffnet von März an auch am Sonntag, zunächst für ein Jahr "
                "auf Probe, wie die Stadt am Montag mitteilte.",
                "Bisher war das Haus an den Wochenenden nur am Samstagvormittag geöffnet. Viele "
                "Studierende und Familien hatten längere Öffnungszeiten gefordert.",
                "Für den Sonntagsdienst stellt die Stadt vier zusätzliche Kräfte ein. Die Kosten "
                "von rund 200.000 Euro im Jahr trägt zur Hälfte ein Förderverein.",
            ]
        ),
        "summary": "Die Stadtbibliothek öffnet probeweise auch sonntags.",
    },
]


def test_training_reads_the_dev_data_exactly_as_newsbot_summarize_jsonl(tmp_path: Path) -> None:
    """The cross-validation's in-sample summaries are what the shipped command prints, so its
    fold figures measure the shipped cleaning path (a page dump's navigation and comments go)."""
    data = tmp_path / "dev.jsonl"
    data.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in _PAGES), "utf-8")
    stdin = "".join(json.dumps({k: p[k] for k in ("id", "title", "text")}) + "\n" for p in _PAGES)
    result = newsbot("summarize", "--jsonl", db=tmp_path / "n.db", stdin=stdin)
    shipped = {o["id"]: o for o in map(json.loads, result.stdout.splitlines())}
    docs = load_docs("web", data)
    assert [d.ident for d in docs] == [p["id"] for p in _PAGES]
    for doc in docs:
        assert doc.body == shipped[doc.ident]["body"]
        assert summary_of(doc, sentence_model()) == shipped[doc.ident]["summary"]
    dump = docs[0].body
    for junk in ("Startseite", "Leser123", "Impressum"):
        assert junk not in dump
    assert "Zehn-Minuten-Takt" in dump
