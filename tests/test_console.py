"""The console chat, driven through stdin/stdout of a real `newsbot demo` process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import console_chat

pytestmark = pytest.mark.integration


def test_console_search_finds_both_seeds(db_path: Path) -> None:
    out = console_chat(["/search venezuela"], db_path)
    assert "2 Treffer" in out
    assert "Kreml fordert friedliche Lösung" in out
    assert "Russland erwägt Venezuelas Bitte" in out


def test_console_digest_and_inflected_search(db_path: Path) -> None:
    out = console_chat(["/digest", "/search Russlands"], db_path)
    assert "Neu seit" in out
    assert "Treffer für „Russlands“" in out


def test_console_bad_input_gets_clear_messages(db_path: Path) -> None:
    huge = "/search " + "x" * 10_000
    out = console_chat(
        ["/frobnicate", "/search", huge, "/article abc", "/subscribe 25:99", "hallo"], db_path
    )
    assert "Den Befehl /frobnicate kenne ich nicht" in out
    assert "Wonach soll ich suchen?" in out
    assert "zu lang" in out
    assert "„abc“ ist keine Nummer. Beispiel: /article 1" in out
    assert "„25:99“ ist keine Uhrzeit" in out
    assert "Befehle beginnen mit /" in out


def test_console_subscribe_and_unsubscribe(db_path: Path) -> None:
    out = console_chat(["/subscribe 07:30 Europe/Vienna", "/unsubscribe", "/unsubscribe"], db_path)
    assert "07:30 Uhr (Europe/Vienna)" in out
    assert "Abbestellt" in out
    assert "hattest keinen" in out
