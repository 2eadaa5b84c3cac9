"""The `newsbot` CLI as a user runs it, in this process (`newsbot(...)` from conftest) on a real
database file; tests/test_process.py spawns the real process for what only a process shows."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from importlib import import_module, metadata
from pathlib import Path

import pytest

from bot.records import Subscription
from bot.store import Store
from bot.version import DISTRIBUTION, user_agent
from tests.conftest import ROOT, SEEDS, newsbot

__all__ = ["newsbot"]  # other test files import it from here


def test_demo_prints_digest_with_both_seeds(db_path: Path) -> None:
    result = newsbot("demo", "--no-console", db=db_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Kreml fordert friedliche Lösung zwischen USA und Venezuela" in out
    assert "Russland erwägt Venezuelas Bitte um militärische Hilfe" in out
    for junk in ("weiterlesen", "Kommentare", "CC BY 4.0", "spendenfinanziert", "Newsletter"):
        assert junk not in out
    assert db_path.exists()


def test_ingest_twice_adds_once(db_path: Path) -> None:
    first = newsbot("ingest", str(SEEDS), db=db_path)
    second = newsbot("ingest", str(SEEDS), db=db_path)
    assert first.returncode == 0
    assert "2 neu, 0 Duplikate" in first.stdout
    assert "0 neu, 2 Duplikate" in second.stdout
    assert second.returncode == 0  # already known is read, not a failure


def test_ingest_folder_with_binary_and_latin1_files(tmp_path: Path, db_path: Path) -> None:
    folder = tmp_path / "dumps"
    folder.mkdir()
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 100)
    (folder / "empty.txt").write_text("")
    latin = (SEEDS / "dpa-kreml-venezuela-2025-11-02.txt").read_text().replace("«", '"')
    latin = latin.replace("»", '"').replace("–", "-")
    (folder / "latin1.txt").write_bytes(latin.encode("cp1252", errors="replace"))
    result = newsbot("ingest", str(folder), db=db_path)
    assert "binary.txt (Binärdatei, keine Textseite)" in result.stdout
    assert "empty.txt (kein Artikeltext gefunden)" in result.stdout
    assert "1 neu" in result.stdout
    assert result.returncode == 1  # two files could not be read
    assert "Traceback" not in result.stderr


def test_search_exit_codes(db_path: Path) -> None:
    newsbot("ingest", str(SEEDS), db=db_path)
    found = newsbot("search", "venezuela", db=db_path)
    assert found.returncode == 0
    assert "Kreml fordert" in found.stdout
    assert "Russland erwägt" in found.stdout
    none = newsbot("search", "Quantencomputer", db=db_path)
    assert none.returncode == 1
    filtered = newsbot("search", "kreml", "seit:2099-01-01", db=db_path)
    assert filtered.returncode == 1
    assert filtered.stdout.strip() == (
        "Zu „kreml“ gibt es Artikel, aber keinen mit „seit:2099-01-01“."
    )
    unknown = newsbot("search", "kreml", "quelle:bild", db=db_path)
    assert unknown.returncode == 1
    assert unknown.stdout.strip() == (
        "Die Quelle „bild“ kenne ich nicht. Zur Wahl: dpa, TKP. Beispiel: quelle:dpa"
    )
    usage = newsbot("search", "***", db=db_path)
    assert usage.returncode == 2
    many = newsbot("search", *(f"Thema{i}" for i in range(9)), db=db_path)
    assert many.returncode == 2
    assert "höchstens 8 Wörter" in many.stderr


def test_digest_for_a_date(db_path: Path) -> None:
    newsbot("ingest", str(SEEDS), db=db_path)
    day = newsbot("digest", "--date", "2025-11-02", db=db_path)
    assert day.returncode == 0
    assert "Kreml fordert" in day.stdout
    assert "Russland erwägt" not in day.stdout
    bad = newsbot("digest", "--date", "gestern", db=db_path)
    assert bad.returncode == 2


def test_digest_for_a_chat_shows_its_stories_in_its_zone(db_path: Path) -> None:
    newsbot("ingest", str(SEEDS), db=db_path)
    store = Store.open(db_path)
    now = datetime.now(UTC)
    store.chats.subscribe(Subscription("telegram:1", "07:00", "America/New_York"), now)
    store.chats.subscribe(Subscription("telegram:2", "07:00", "Europe/Berlin"), now)
    store.close()
    new_york = newsbot("digest", "--chat", "telegram:1", db=db_path)
    berlin = newsbot("digest", "--chat", "telegram:2", db=db_path)
    assert new_york.returncode == 0, new_york.stderr
    # dpa's report is dated 02.11.2025 09:13 Berlin time: 03:13 in New York.
    assert "02.11.2025 03:13" in new_york.stdout
    assert "02.11.2025 09:13" in berlin.stdout


def test_summarize_json(db_path: Path) -> None:
    result = newsbot(
        "summarize", str(SEEDS / "dpa-kreml-venezuela-2025-11-02.txt"), "--json", db=db_path
    )
    data = json.loads(result.stdout)
    assert data["title"] == "Kreml fordert friedliche Lösung zwischen USA und Venezuela"
    assert data["published"].startswith("2025-11-02T09:13:55")
    assert 1 <= len(data["summary"]) <= 3
    assert all(sentence in data["body"] for sentence in data["summary"])


def test_summarize_jsonl_good_and_bad_lines(db_path: Path) -> None:
    good = {
        "id": "a",
        "text": (SEEDS / "tkp-russland-venezuela-luftabwehr-2025-11-10.txt").read_text(),
    }
    lines = [json.dumps(good), "{not json", json.dumps({"id": "c"}), json.dumps(["x"])]
    result = newsbot("summarize", "--jsonl", "-n", "2", db=db_path, stdin="\n".join(lines))
    assert result.returncode == 0
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 4
    assert out[0]["id"] == "a"
    assert len(out[0]["summary"]) == 2
    assert "error" not in out[0]
    assert out[0]["title"].startswith("Russland erwägt")
    assert "error" in out[1]
    assert "error" in out[3]
    assert out[2]["id"] == "c"
    assert "text" in out[2]["error"]


def test_summarize_jsonl_with_title_takes_text_as_body(db_path: Path) -> None:
    body = "Der Bundestag hat am Donnerstag ein neues Gesetz beschlossen. " * 3
    line = json.dumps({"id": 1, "title": "Gesetz beschlossen", "text": body})
    result = newsbot("summarize", "--jsonl", db=db_path, stdin=line)
    out = json.loads(result.stdout)
    assert out["title"] == "Gesetz beschlossen"
    assert "Bundestag" in out["body"]


def test_run_without_transports_points_to_demo(db_path: Path) -> None:
    no_platform = {"TELEGRAM_BOT_TOKEN": "", "MATRIX_HOMESERVER": ""}
    result = newsbot("run", db=db_path, env=no_platform)
    assert result.returncode == 2
    assert "newsbot demo" in result.stderr


def test_help_teaches_the_subcommands(db_path: Path) -> None:
    result = newsbot("--help", db=db_path)
    for sub in ("demo", "ingest", "summarize", "search", "digest", "run"):
        assert sub in result.stdout


def test_version_is_the_installed_package_version_and_the_user_agent_says_it() -> None:
    installed = metadata.version(DISTRIBUTION)
    result = newsbot("--version")
    assert result.returncode == 0
    assert result.stdout == f"newsbot {installed}\n"
    assert installed == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert user_agent().startswith(f"newsbot/{installed} (")


def test_the_distribution_name_in_pyproject_is_the_one_read_for_the_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == DISTRIBUTION
    assert project["scripts"] == {"newsbot": "bot.cli:main"}  # the command keeps its name
    assert DISTRIBUTION in (ROOT / "README.md").read_text()  # the install line names it


def test_console_script_in_pyproject_runs_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    target = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]["newsbot"]
    module, _, name = target.partition(":")
    with pytest.raises(SystemExit) as exited:
        getattr(import_module(module), name)(["--help"])
    assert exited.value.code == 0
    assert "newsbot demo" in capsys.readouterr().out


def test_demo_finds_the_sample_articles_from_any_folder(tmp_path: Path) -> None:
    result = newsbot("demo", "--no-console", db=tmp_path / "demo.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Kreml fordert friedliche Lösung zwischen USA und Venezuela" in result.stdout


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("de", ["english.txt (kein deutscher Artikel)", "0 neu, 0 Duplikate, 2 übersprungen"]),
        ("en", ["english.txt (not a German article)", "0 added, 0 duplicates, 2 skipped"]),
    ],
)
def test_ingest_skips_english_and_too_short_pages_with_reasons(
    tmp_path: Path, db_path: Path, language: str, says: list[str]
) -> None:
    folder = tmp_path / "dumps"
    folder.mkdir()
    english = (
        "Kremlin calls for a peaceful solution\n\n"
        + "Russia is an ally of the Venezuelan leader, and it is unclear how far Moscow can "
        "defend him against pressure from Washington, officials said on Sunday. " * 4
    )
    (folder / "english.txt").write_text(english)
    (folder / "short.txt").write_text("Kurz\n\nNur ein Satz.")
    result = newsbot("ingest", str(folder), db=db_path, env={"NEWSBOT_LANGUAGE": language})
    assert result.returncode == 1
    for text in says:
        assert text in result.stdout
    assert "short.txt (" in result.stdout
    assert result.stderr == ""  # each skip is said once, on stdout, not again as a warning
    assert newsbot("search", "Kremlin", db=db_path).returncode == 1


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("not a url", "only fetch http:// and https://"),
        ("example.org/feed", "only fetch http:// and https://"),
        ("ftp://example.org/feed", "only fetch http:// and https://"),
        ("http://127.0.0.1:9/feed.xml", "127.0.0.1 is a loopback address"),
        ("http://10.0.0.1/feed.xml", "10.0.0.1 is a private address"),
    ],
)
def test_feeds_add_refuses_bad_and_internal_urls_with_the_reason(
    db_path: Path, url: str, says: str
) -> None:
    result = newsbot("feeds", "add", url, db=db_path, env={"NEWSBOT_LANGUAGE": "en"})
    assert result.returncode == 2
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    listed = newsbot("feeds", "list", db=db_path)
    assert url not in listed.stdout


def test_feeds_add_takes_an_allowed_intranet_feed(db_path: Path) -> None:
    env = {"NEWSBOT_FETCH_ALLOW": "10.1.0.0/16"}
    # --no-check: nothing answers at 10.1.2.3 here; the address rules alone are under test.
    result = newsbot("feeds", "add", "--no-check", "http://10.1.2.3/rss", db=db_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "http://10.1.2.3/rss" in result.stdout


def test_global_options_work_after_the_subcommand_too(tmp_path: Path, db_path: Path) -> None:
    assert newsbot("ingest", str(ROOT / "seeds"), db=db_path).returncode == 0
    elsewhere = tmp_path / "unused.db"
    after = newsbot("search", "venezuela", "--db", str(db_path), db=elsewhere)
    before = newsbot("--db", str(db_path), "search", "venezuela", db=elsewhere)
    assert after.returncode == before.returncode == 0, after.stderr
    assert after.stdout == before.stdout
    assert "2 Treffer" in after.stdout


@pytest.mark.parametrize("name", ["ingest", "search", "digest", "backup", "run"])
def test_each_subcommand_help_has_a_purpose_and_an_example(name: str, db_path: Path) -> None:
    out = newsbot(name, "--help", db=db_path).stdout
    assert "example:\n  newsbot" in out or "example:\n  NEWSBOT" in out
    if name == "ingest":
        assert "URL" in out
        assert "opml" in out
    if name == "search":
        assert "seit:" in out
        assert "quelle:" in out
    if name == "digest":
        assert "telegram:" in out
    if name == "run":
        assert "console" in out


def test_cli_refuses_what_would_mislead(tmp_path: Path, db_path: Path) -> None:
    assert newsbot("ingest", str(ROOT / "seeds"), db=db_path).returncode == 0
    limit = newsbot("search", "venezuela", "--limit", "-1", db=db_path)
    assert limit.returncode == 2
    assert "at least 1" in limit.stderr
    nowhere = newsbot("search", "venezuela", db=tmp_path / "none.db", cwd=tmp_path)
    assert nowhere.returncode == 2
    assert not (tmp_path / "none.db").exists()  # search never creates a database
    day = newsbot("digest", "--date", "2020-01-01", db=db_path)
    assert "Nachrichten vom 01.01.2020" in day.stdout
    assert "keine Artikel gespeichert" in day.stdout
    assert "letzten Überblick" not in day.stdout
    unknown = newsbot("digest", "--chat", "nosuch", db=db_path)
    assert unknown.returncode == 2
    assert "telegram:123456789" in unknown.stderr
    backup = newsbot("backup", str(tmp_path / "no" / "such" / "x.db"), db=db_path)
    assert backup.returncode == 1
    assert not (tmp_path / "no").exists()


def test_unknown_source_is_null_data_and_a_date_alone_stays_a_date(
    tmp_path: Path, db_path: Path
) -> None:
    page = tmp_path / "page.txt"
    body = " ".join(
        ["Der Bundestag hat am Freitag über den Haushalt beraten und ihn mit Mehrheit beschlossen."]
        * 4
    )
    title = "Der Bundestag beschließt den Haushalt für das kommende Jahr"
    page.write_text(f"{title}\n\n28. November 2026\n\n{body}\n", encoding="utf-8")
    assert newsbot("ingest", str(page), db=db_path).returncode == 0
    [line] = newsbot("export", db=db_path).stdout.splitlines()
    exported = json.loads(line)
    assert exported["source"] is None
    assert exported["published"] == "2026-11-28"
    found = newsbot("search", "haushalt", db=db_path).stdout
    assert "unbekannte Quelle, 28.11.2026" in found


def test_terms_jsonl_answers_each_line_and_marks_bad_ones(db_path: Path) -> None:
    lines = [
        {"id": "a", "text": "Der Plan gefiel"},
        "kein JSON",
        {"id": "b"},
        {"id": "c", "text": "Häuser in Venezuelas"},
    ]
    stdin = "".join((json.dumps(x) if isinstance(x, dict) else x) + "\n" for x in lines)
    out = newsbot("terms", "--jsonl", db=db_path, stdin=stdin)
    assert out.returncode == 0
    answers = [json.loads(line) for line in out.stdout.splitlines()]
    assert answers[0] == {"id": "a", "terms": ["plan", "gefiel", "gefall"]}
    assert "error" in answers[1]
    assert answers[2]["id"] == "b"
    assert "error" in answers[2]
    assert answers[3] == {"id": "c", "terms": ["haus", "venezuelas", "venezuela"]}
    assert newsbot("terms", "gefallen", db=db_path).stdout.split() == ["gefall"]
