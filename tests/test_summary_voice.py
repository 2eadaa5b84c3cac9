"""Summaries a reader can follow: no dateline mid-summary, no orphaned "Jede dieser …", and a
sentence setting the digest can honour."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.commands import Context, handle
from bot.records import Reply
from bot.render import to_plain
from bot.store import Store
from summarizer import summarize

# A report stitched from wire pieces: the agency dateline stands before its third sentence.
STITCHED = (
    "Die Koalition hat sich nach langem Streit auf ein Rentenpaket geeinigt. Das Rentenniveau "
    "soll bis 2031 bei 48 Prozent bleiben, die Mütterrente wird ausgeweitet. Berlin (dpa) - Der "
    "Bundestag hat das Rentenpaket am Freitag mit knapper Mehrheit beschlossen. Die Union hatte "
    "bis zuletzt über die Kosten für die jüngere Generation gestritten. Der Bundesrat muss noch "
    "zustimmen, eine Mehrheit gilt dort als sicher."
)
OPTIONS = (
    "Die Stadt Köln will den Verkehr in der Innenstadt bis 2030 halbieren. Der Rat hat dafür "
    "ein Gutachten in Auftrag gegeben, das am Dienstag vorgestellt wurde. Die Gutachter "
    "empfehlen drei Wege: eine Citymaut, höhere Parkgebühren oder autofreie Zonen rund um den "
    "Dom. Jede dieser Optionen würde den Verkehr in der Innenstadt nach Berechnungen der "
    "Gutachter um mindestens ein Viertel senken. Die Entscheidung soll im Frühjahr fallen."
)


# A standfirst, then the dateline paragraph saying the lead again at more length.
STANDFIRST_THEN_DATELINE = (
    "Der Bundestag hat das umstrittene Rentenpaket beschlossen. Die Opposition spricht von "
    "einem teuren Fehler.\n\nBerlin (dpa) - Der Bundestag hat das umstrittene Rentenpaket am "
    "Freitag mit knapper Mehrheit beschlossen. Das Rentenniveau soll bis 2031 bei 48 Prozent "
    "bleiben. Die Union hatte bis zuletzt über die Kosten gestritten. Der Bundesrat muss noch "
    "zustimmen, eine Mehrheit gilt dort als sicher."
)


def test_an_agency_dateline_is_dropped_from_every_sentence() -> None:
    summary = summarize(STITCHED, 3, title="Bundestag beschließt Rentenpaket")
    assert summary
    assert not any("(dpa)" in s for s in summary), summary


def test_no_sentence_says_again_what_one_already_picked_says() -> None:
    summary = summarize(STANDFIRST_THEN_DATELINE, 3, title="Bundestag beschließt Rentenpaket")
    assert summary[0] == "Der Bundestag hat das umstrittene Rentenpaket beschlossen."
    assert not any("(dpa)" in s for s in summary), summary
    assert sum("Rentenpaket" in s for s in summary) == 1, summary


def test_a_sentence_pointing_back_comes_only_after_what_it_points_to() -> None:
    for count in (1, 2, 3):
        summary = summarize(OPTIONS, count, title="Köln: Gutachten zur Verkehrswende")
        for n, sentence in enumerate(summary):
            if sentence.startswith("Jede dieser Optionen"):
                assert n > 0
                assert summary[n - 1].startswith("Die Gutachter empfehlen drei Wege"), summary


def test_saetze_accepts_only_what_the_digest_shows(store: Store) -> None:
    now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    reply = handle("/settings saetze 5", Context("telegram:1", now, "telegram:5"), store)
    assert isinstance(reply, Reply)
    assert "von 1 bis 3" in to_plain(reply)
    reply = handle("/settings saetze 3", Context("telegram:1", now, "telegram:5"), store)
    assert isinstance(reply, Reply)
    assert "passt nicht" not in to_plain(reply)


def test_a_dateline_whose_place_has_small_joining_words_is_dropped() -> None:
    # Place names join their parts with small words: Frankfurt am Main, Halle an der Saale,
    # Santiago de Chile. The dateline goes all the same, with or without an agency.
    for place in ("Santiago de Chile –", "Halle an der Saale –", "Frankfurt am Main (dpa) -"):
        text = (
            f"{place} Der Stadtrat hat am Dienstag nach langer Debatte einen neuen Haushalt "
            "beschlossen. Für Schulen und Kitas sind so viele Mittel vorgesehen wie nie zuvor. "
            "Die Opposition kritisierte die hohe Neuverschuldung der Stadt."
        )
        summary = summarize(text, 2, title="Stadtrat beschließt Haushalt")
        assert summary[0].startswith("Der Stadtrat hat am Dienstag"), summary
