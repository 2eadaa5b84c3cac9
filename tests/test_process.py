"""`newsbot` as a real process, for what only a process shows: the installed entry point, exit
statuses as a shell sees them, and a clean run under `-W error`. Everything else about the CLI is
tested in-process (tests/test_cli.py); SIGPIPE is in tests/test_cli_messages.py and SIGTERM in
tests/test_startup.py and tests/test_run.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS, newsbot_process

pytestmark = pytest.mark.integration
ENTRY_POINT = Path(sys.executable).parent / "newsbot"


def test_the_installed_entry_point_runs_the_cli(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSBOT_CONFIG": "", "NEWSBOT_DB": str(tmp_path / "x.db")}
    result = subprocess.run(
        [str(ENTRY_POINT), "--help"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "newsbot demo" in result.stdout
    assert result.stderr == ""


def test_exit_statuses_reach_the_shell(db_path: Path) -> None:
    assert newsbot_process("ingest", str(SEEDS), db=db_path).returncode == 0
    none = newsbot_process("search", "Quantencomputer", db=db_path)
    assert none.returncode == 1
    assert none.stderr == ""
    usage = newsbot_process("search", "venezuela", "--limit", "-1", db=db_path)
    assert usage.returncode == 2
    assert "at least 1" in usage.stderr


def test_the_demo_runs_clean_with_warnings_as_errors(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSBOT_CONFIG": "", "NEWSBOT_DB": str(tmp_path / "demo.db")}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-W", "error", "-m", "bot", "demo", "--no-console"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Kreml fordert friedliche Lösung zwischen USA und Venezuela" in result.stdout
    assert "Russland erwägt Venezuelas Bitte um militärische Hilfe" in result.stdout
    assert result.stderr == ""
