"""The CLI's own words: one language rule, plain reasons instead of silence, quiet pipes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.cli.texts import CLI_MESSAGES
from summarizer import parse_page
from tests.conftest import SEEDS, newsbot_process
from tests.i18n import foreign_words
from tests.test_cli import newsbot
from tests.test_i18n import _without_fields

TKP = SEEDS / "tkp-russland-venezuela-luftabwehr-2025-11-10.txt"
NO_PLATFORM = {"TELEGRAM_BOT_TOKEN": "", "MATRIX_HOMESERVER": "", "MATRIX_USER_ID": ""}


@pytest.mark.parametrize("key", sorted(CLI_MESSAGES))
def test_every_cli_message_is_in_both_languages_and_each_stays_in_its_own(key: str) -> None:
    de, en = CLI_MESSAGES[key]
    assert de.strip()
    assert en.strip()
    assert not foreign_words(_without_fields(en), "en"), (key, en)
    assert not foreign_words(_without_fields(de), "de"), (key, de)


# What each subcommand says in its own words (article titles are German in both languages).
SAYS = {
    "de": {
        "ingest": "2 neu, 0 Duplikate, 0 übersprungen, 0 fehlgeschlagen",
        "status": "zuletzt eingelesen",
        "search": "2 Treffer für „venezuela“:",
        "search_none": "Keine Artikel zu „quantencomputer“ gefunden.",
        "digest": "Neu seit",
        "demo": "Datenbank:",
        "backup": "Sicherung geschrieben:",
        "export": "2 Artikel nach",
        "feeds": "noch nicht abgerufen",
        "summarize": "keine Zusammenfassung",
        "run": "kein Zugang eingerichtet",
    },
    "en": {
        "ingest": "2 added, 0 duplicates, 0 skipped, 0 failed",
        "status": "last ingest",
        "search": "2 results for “venezuela”:",
        "search_none": "No articles found for “quantencomputer”.",
        "digest": "New since",
        "demo": "Database:",
        "backup": "backup written:",
        "export": "2 articles written to",
        "feeds": "not fetched yet",
        "summarize": "no summary",
        "run": "no transport is configured",
    },
}


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_subcommand_speaks_the_configured_language(
    tmp_path: Path, db_path: Path, language: str
) -> None:
    env = {"NEWSBOT_LANGUAGE": language, "NEWSBOT_FETCH_ALLOW": "10.1.0.0/16", **NO_PLATFORM}
    says = SAYS[language]

    def run(*args: str) -> str:
        result = newsbot(*args, db=db_path, env=env)
        return result.stdout + result.stderr

    short = tmp_path / "kurz.txt"
    short.write_text("Kurz. Knapp. Aus.\n")
    heard = {
        "ingest": run("ingest", str(SEEDS)),
        "status": run("status"),
        "search": run("search", "venezuela"),
        "search_none": run("search", "quantencomputer"),
        "digest": run("digest"),
        "backup": run("backup", str(tmp_path / "b.db")),
        "export": run("export", "-o", str(tmp_path / "a.jsonl")),
        "feeds": run("feeds", "add", "--no-check", "http://10.1.2.3/rss") + run("feeds", "list"),
        "summarize": run("summarize", str(short)),
        "run": run("run"),
        "demo": newsbot("demo", "--no-console", db=tmp_path / "demo.db", env=env).stdout,
    }
    for name, text in says.items():
        assert text in heard[name], (name, heard[name])
    other = SAYS["en" if language == "de" else "de"]
    for name, text in other.items():
        assert text not in heard[name], (name, heard[name])


@pytest.mark.parametrize(
    ("language", "says"),
    [("de", "kein Satz des Textes ist lang genug (Sätze: 1)"), ("en", "(sentences: 1)")],
)
def test_summarize_says_why_there_is_no_summary(
    tmp_path: Path, db_path: Path, language: str, says: str
) -> None:
    one_line = tmp_path / "eine-zeile.txt"
    one_line.write_text("Nur eine Zeile hier.\n")
    env = {"NEWSBOT_LANGUAGE": language}
    result = newsbot("summarize", str(one_line), db=db_path, env=env)
    assert result.returncode == 1
    assert result.stdout == ""  # no blank lines where a summary would be
    assert result.stderr.startswith(f"newsbot summarize: {one_line}: ")
    assert says in result.stderr
    blank = tmp_path / "leer.txt"
    blank.write_text("\n\n")
    no_text = newsbot("summarize", str(blank), "--json", db=db_path, env=env)
    assert no_text.returncode == 1
    assert json.loads(no_text.stdout)["summary"] == []
    assert ("kein Artikeltext" if language == "de" else "no article text") in no_text.stderr


def test_summarize_notices_an_empty_summary_of_a_three_sentence_text(
    tmp_path: Path, db_path: Path
) -> None:
    page = tmp_path / "drei.txt"
    page.write_text("Die Regierung plant. Es kommt. Gut so.\n")
    result = newsbot("summarize", str(page), "--json", db=db_path)
    assert result.returncode == 1
    assert json.loads(result.stdout)["summary"] == []
    assert "(Sätze: 3)" in result.stderr
    line = json.dumps({"id": 7, "text": "Die Regierung plant. Es kommt. Gut so."})
    batch = newsbot("summarize", "--jsonl", db=db_path, stdin=line, env={"NEWSBOT_LANGUAGE": "en"})
    out = json.loads(batch.stdout)
    assert out["summary"] == []
    assert out["notice"] == "no summary: no sentence is long enough"


@pytest.mark.parametrize("value", ["0", "-2", "drei"])
def test_summarize_refuses_a_bad_length_naming_the_option(db_path: Path, value: str) -> None:
    result = newsbot("summarize", str(TKP), "-n", value, db=db_path)
    assert result.returncode == 2
    assert "-n/--sentences" in result.stderr
    assert "at least 1" in result.stderr


@pytest.mark.parametrize(
    ("language", "says"), [("de", "Datei gibt es nicht: {}"), ("en", "no such file: {}")]
)
def test_summarize_names_a_missing_file(
    tmp_path: Path, db_path: Path, language: str, says: str
) -> None:
    missing = tmp_path / "fehlt.txt"
    env = {"NEWSBOT_LANGUAGE": language}
    for args in ([str(missing)], ["--jsonl", str(missing)]):
        result = newsbot("summarize", *args, db=db_path, env=env)
        assert result.returncode == 2
        assert result.stderr == f"newsbot summarize: {says.format(missing)}\n"


def test_summarize_jsonl_reads_the_named_file(tmp_path: Path, db_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps({"id": "tkp", "text": TKP.read_text()}) + "\n")
    result = newsbot("summarize", "--jsonl", str(batch), db=db_path, stdin="")
    assert result.returncode == 0, result.stderr
    [out] = [json.loads(line) for line in result.stdout.splitlines()]
    assert out["id"] == "tkp"
    # The same summary as `newsbot summarize FILE`: two sentences within the length budget,
    # without "Jede dieser Optionen …", which points back at options the summary never names.
    assert out["summary"][0].startswith("Ein russischer Gesetzgeber hat erklärt")
    assert len(out["summary"]) == 2
    assert not any(s.startswith("Jede dieser") for s in out["summary"])


def test_summarize_jsonl_cleans_titled_text_like_untitled(db_path: Path) -> None:
    text = TKP.read_text()
    title = parse_page(text).title
    lines = [json.dumps({"id": "ohne", "text": text}), json.dumps({"id": "mit", "text": text})]
    lines[1] = json.dumps({"id": "mit", "text": text, "title": title})
    result = newsbot("summarize", "--jsonl", db=db_path, stdin="\n".join(lines))
    untitled, titled = (json.loads(line) for line in result.stdout.splitlines())
    assert titled["title"] == untitled["title"] == title
    assert titled["body"] == untitled["body"]
    assert titled["summary"] == untitled["summary"]
    assert "Regeln für Kommentare" not in titled["body"]
    assert title not in titled["body"]


def test_console_run_keeps_the_terminal_for_the_chat(db_path: Path) -> None:
    env = {"NEWSBOT_CONSOLE": "true", **NO_PLATFORM}
    quiet = newsbot("run", db=db_path, env=env, stdin="/help\n/quit\n")
    assert quiet.returncode == 0, quiet.stderr
    assert "/search" in quiet.stdout  # the chat's answer
    assert "level=info" not in quiet.stderr  # no scheduler lines between prompt and answer
    told = newsbot("run", "-v", db=db_path, env=env, stdin="/help\n/quit\n")
    assert told.returncode == 0
    assert "event=" in told.stderr  # -v brings our events back


def test_console_chat_answers_in_the_configured_language(db_path: Path) -> None:
    env = {"NEWSBOT_CONSOLE": "true", "NEWSBOT_LANGUAGE": "en", **NO_PLATFORM}
    result = newsbot("run", db=db_path, env=env, stdin="/help\n/quit\n")
    assert "Commands:" in result.stdout
    assert "Befehle:" not in result.stdout


@pytest.mark.integration
@pytest.mark.parametrize("command", [["search", "venezuela"], ["export"], ["digest", "--json"]])
def test_a_closed_pipe_ends_the_output_quietly(db_path: Path, command: list[str]) -> None:
    assert newsbot("ingest", str(SEEDS), db=db_path).returncode == 0
    reader, writer = os.pipe()
    os.close(reader)  # like `| head` that has already read enough
    proc = newsbot_process(*command, db=db_path, stdout=writer)
    os.close(writer)
    assert proc.stderr == ""
    assert proc.returncode == 141
