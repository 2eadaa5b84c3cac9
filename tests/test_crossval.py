"""The cleaning protocol of tools.crossval: folds by host, held-out lines, other splits."""

from __future__ import annotations

from tools.crossval import crossval_cleaning

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
