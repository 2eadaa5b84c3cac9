"""An outlet named in two Unicode forms (a decomposed "Ka\u0308rntner", the composed
"Kärntner"), or with a control character in its name, is one outlet: `/quellen` lists it
once and the digest's source line names it once. `newsbot ingest` as a user runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import SEEDS, console_chat, newsbot

pytestmark = pytest.mark.integration
COMPOSED = "K\u00e4rntner Woche"
# The same name as a Mac's file system or some feeds write it, and with a stray BEL character.
SPELLINGS = ["Ka\u0308rntner Woche", "K\u00e4rntner\x07 Woche"]
# The seeds are two outlets' reports of one story.
DPA, TKP = sorted(SEEDS.glob("*.txt"))


def shown_once(out: str) -> None:
    """/quellen lists the outlet once, and the story's source line names it once (the demo
    adds the seeds under their own outlets besides)."""
    sources = next(line for line in out.splitlines() if "Quellen zur Wahl:" in line)
    names = sources.split("Quellen zur Wahl: ", 1)[1].split(", ")
    assert [n for n in names if "Woche" in n] == [COMPOSED], ascii(sources)
    digest = out.split("Neu seit", 1)[1]
    assert digest.count("Woche") == 1, ascii(digest)


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_page_dumps_given_one_outlet_in_two_forms_are_one_outlet(
    tmp_path: Path, db_path: Path, spelling: str
) -> None:
    for folder, dump, name in (("a", DPA, spelling), ("b", TKP, COMPOSED)):
        (tmp_path / folder).mkdir()
        shutil.copy(dump, tmp_path / folder / dump.name)
        result = newsbot("ingest", "--source", name, str(tmp_path / folder), db=db_path)
        assert result.returncode == 0, result.stdout + result.stderr
    shown_once(console_chat(["/quellen", "/digest"], db_path))


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_json_lines_naming_one_outlet_in_two_forms_are_one_outlet(
    db_path: Path, spelling: str
) -> None:
    items = [
        {"title": title, "text": dump.read_text(encoding="utf-8"), "source": name}
        for (title, dump, name) in (
            ("Kreml fordert friedliche Lösung zwischen USA und Venezuela", DPA, spelling),
            ("Russland erwägt Venezuelas Bitte um Luftabwehr", TKP, COMPOSED),
        )
    ]
    lines = "".join(json.dumps(item) + "\n" for item in items)
    result = newsbot("ingest", "--jsonl", db=db_path, stdin=lines)
    assert result.returncode == 0, result.stdout + result.stderr
    shown_once(console_chat(["/quellen", "/digest"], db_path))
