"""The lede rule, through `newsbot summarize`: a report that opens with prose keeps its first
paragraph's opening sentences (at most two) in its summary, even where the ranker would prefer a
later sentence; the ranker picks only the rest."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import newsbot

# An economics report whose first paragraph is a statement and the speaker's quote.
SAVINGS = """Sparkassen fordern mehr öffentliche Investitionen

Der Präsident des Sparkassenverbands hat angesichts der schwächeren Konjunktur mehr öffentliche \
Investitionen in Schulen, Straßen und Netze gefordert. „Sparen ist kein Selbstzweck, sondern \
Vorsorge für schlechte Zeiten.“

Die Niedrigzinspolitik der Europäischen Zentralbank griff Verbandschef Helmut Berger in Frankfurt \
erneut scharf an.

Unter Ökonomen ist umstritten, ob niedrige Zinsen tatsächlich mehr private Ausgaben der \
Unternehmen auslösen.

Die Institute selbst meldeten für das vergangene Jahr einen leicht gestiegenen Gewinn vor Steuern.

Das Geschäft mit Baufinanzierungen wuchs um fünf Prozent, die Einlagen der Kunden stiegen \
ebenfalls.
"""


def test_the_first_paragraphs_opening_sentences_lead_the_summary(tmp_path: Path) -> None:
    page = tmp_path / "sparkassen.txt"
    page.write_text(SAVINGS, encoding="utf-8")
    result = newsbot("summarize", str(page), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert summary[:2] == [
        "Der Präsident des Sparkassenverbands hat angesichts der schwächeren Konjunktur mehr "
        "öffentliche Investitionen in Schulen, Straßen und Netze gefordert.",
        "„Sparen ist kein Selbstzweck, sondern Vorsorge für schlechte Zeiten.“",
    ]
