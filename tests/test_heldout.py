"""`python -m tools.heldout news`: a derStandard article's lead is split from its body at the
dateline, dev articles and leads that copy the opening are left out, and each article lands in
the same half on every run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tools.heldout import copy_share, split_lead
from tools.train import SUMMARY_SETS, read_jsonl

BODY = (
    "Der Bundesrat hat am Freitag das neue Mietrecht gebilligt, das Mieterhöhungen in "
    "Ballungsräumen begrenzt. Vermieter dürfen die Miete künftig in drei Jahren um höchstens "
    "15 Prozent anheben. " * 8
)


def test_the_lead_ends_where_the_dateline_begins() -> None:
    article = (
        "Neue Regeln gelten ab März – Vermieter kritisieren sie. Santiago de Chile – Der Rat …"
    )
    assert split_lead(article) == (
        "Neue Regeln gelten ab März – Vermieter kritisieren sie",
        "Santiago de Chile – Der Rat …",
    )
    assert split_lead("Ein Text ohne Ortsmarke. Er hat nur Sätze.") is None


def test_a_lead_that_repeats_the_opening_is_a_copy() -> None:
    opening = "Der Bundesrat hat am Freitag das neue Mietrecht gebilligt"
    assert copy_share(opening, BODY) == 1.0
    assert copy_share("Länder einigen sich nach langem Streit auf Mieterschutz", BODY) == 0.0


def _repo_with(folder: Path, files: dict[str, str]) -> Path:
    """A git repository of these files, committed; its git directory."""
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    for command in (
        ["init", "-q"],
        ["add", "."],
        ["-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "data"],
    ):
        subprocess.run(["git", "-C", str(folder), *command], check=True)
    return folder / ".git"


@pytest.mark.skipif(not SUMMARY_SETS["news"].exists(), reason="the shared dev set is not here")
def test_news_articles_are_split_into_two_stable_halves(tmp_path: Path) -> None:
    dev_rows = {
        int(str(r["source"]).split("#row")[1])
        for r in read_jsonl(SUMMARY_SETS["news"])
        if str(r["source"]).startswith("tblock/10kGNAD")
    }
    rows = [
        f"Inland;'Länder einigen sich im Streit um Mieterschutz, Runde {n}. Wien – {BODY}'"
        for n in range(1, 21)
    ]
    rows.append(
        f"Inland;'Der Bundesrat hat am Freitag das neue Mietrecht gebilligt. Wien – {BODY}'"
    )
    rows.append("Inland;'Kurz. Wien – Zu kurz.'")
    git_dir = _repo_with(tmp_path / "gnad", {"test.csv": "\n".join(rows) + "\n"})
    out = tmp_path / "out"
    command = [sys.executable, "-m", "tools.heldout", "news", "--gnad", str(git_dir)]
    result = subprocess.run(
        [*command, "--out", str(out)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    halves = {
        side: [
            json.loads(line)
            for line in (out / f"news_x{side}.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        for side in "AB"
    }
    kept = halves["A"] + halves["B"]
    # Dev articles are left out, row 21's lead copies the opening, row 22 is too short.
    expected = [n for n in range(1, 21) if n not in dev_rows]
    assert 0 < len(expected) < 20
    assert sorted(int(r["id"].removeprefix("gnad-")) for r in kept) == expected
    assert halves["A"]
    assert halves["B"]
    assert all(r["text"].startswith("Wien – Der Bundesrat") for r in kept)
    assert kept[0]["summary"].startswith("Länder einigen sich")
    assert f"kept {len(expected)}" in result.stdout
    again = tmp_path / "again"
    subprocess.run([*command, "--out", str(again)], cwd=ROOT, capture_output=True, check=True)
    assert (again / "news_xA.jsonl").read_bytes() == (out / "news_xA.jsonl").read_bytes()


@pytest.mark.skipif(not SUMMARY_SETS["news"].exists(), reason="the shared dev set is not here")
def test_fundus_fixtures_keep_new_headlined_articles_with_a_teaser(tmp_path: Path) -> None:
    dev_title = next(
        str(r["title"])
        for r in read_jsonl(SUMMARY_SETS["news"])
        if str(r["source"]).startswith("flairNLP/fundus")
    )

    def article(title: str, teaser: list[str]) -> dict[str, object]:
        sections = [{"headline": ["Zwischentitel"], "paragraphs": [BODY, "Zweiter Absatz."]}]
        return {"title": title, "body": {"summary": teaser, "sections": sections}}

    teaser = ["Die Länder einigen sich nach langem Streit auf einen besseren Schutz für Mieter."]
    fixture = {
        "V1": article("Länder einigen sich auf Mieterschutz", teaser),
        "V2": article(dev_title, teaser),
        "V3": article("Ohne Teaser", []),
    }
    folder = "tests/resources/parser/test_data/de"
    git_dir = _repo_with(
        tmp_path / "fundus",
        {f"{folder}/Blatt.json": json.dumps(fixture), f"{folder}/Blatt.html.gz": ""},
    )
    out = tmp_path / "out"
    fundus = ["fundus", "--fundus", str(git_dir), "--out", str(out)]
    subprocess.run(
        [sys.executable, "-m", "tools.heldout", *fundus],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    rows = [json.loads(line) for line in (out / "fundus_x.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["fundus-Blatt-V1"]
    assert rows[0]["title"] == "Länder einigen sich auf Mieterschutz"
    assert rows[0]["summary"] == teaser[0]
    # The paragraphs without the section headlines, as the dev set reads fundus's bodies.
    assert rows[0]["text"] == f"{BODY}\n\nZweiter Absatz."


def test_an_html_page_becomes_a_dump_as_the_dev_dumps_were_made() -> None:
    """tools.pagedump follows the shared PAGES.md recipe the facts check's dumps are made by."""
    from tools.pagedump import page_dump

    html = (
        "<html><head><title>Titel</title><script>var x;</script></head><body>"
        "<nav><a>Start</a><a>Politik</a></nav><h1><span>Kicker</span> Die Schlagzeile</h1>"
        "<p>Erste <b>Zeile</b><br>zweite   Zeile</p><div style='display: none'>versteckt</div>"
        "<ol><li>eins</li><li>zwei</li></ol><img alt='Bildtext'><input value='Suche'>"
        "<p hidden>auch versteckt</p></body></html>"
    )
    assert page_dump(html) == (
        "StartPolitik\n\nKicker Die Schlagzeile\n\nErste Zeile\nzweite Zeile\n\n1. eins\n\n2. zwei"
    )
