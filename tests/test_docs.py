"""The README is the documentation: every chat command, CLI subcommand and setting is in it."""

from __future__ import annotations

import argparse
import re

import pytest

from bot.cli import build_parser
from bot.commands import COMMANDS
from bot.commands.subscriptions import SETTINGS, Setting
from bot.config import ENV, KEYS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def table_rows(heading: str) -> str:
    """The text of the README section under `heading`."""
    section = README.split(f"## {heading}\n", 1)[1]
    return section.split("\n## ", 1)[0]


def subcommands() -> dict[str, str]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {choice.dest: choice.help or "" for choice in action._choices_actions}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_chat_command_is_in_the_readme_and_has_help(name: str) -> None:
    assert re.search(rf"^\| `/{name}\b", table_rows("Chat commands"), re.MULTILINE), name
    command = COMMANDS[name]
    assert command.help("de").strip()
    assert command.help("en").strip()


@pytest.mark.parametrize("name", sorted({n for c in COMMANDS.values() for n in c.names}))
def test_every_name_of_a_chat_command_is_in_the_readme(name: str) -> None:
    assert f"`/{name}" in table_rows("Chat commands"), name


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_cli_subcommand_is_in_the_readme_and_has_help(name: str) -> None:
    assert re.search(rf"^\| `newsbot {name}\b", table_rows("Command line"), re.MULTILINE), name
    assert subcommands()[name].strip()


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.key)
def test_every_chat_setting_is_in_the_readme_in_both_languages(setting: Setting) -> None:
    rows = table_rows("Chat commands")
    german, english = setting.names
    names = f"`{german}`" if german == english else f"`{german}` / `{english}`"
    assert re.search(rf"^\| {re.escape(names)} \|", rows, re.MULTILINE), setting.key


@pytest.mark.parametrize("key", KEYS)
def test_every_setting_is_in_the_readme(key: str) -> None:
    rows = table_rows("Configuration")
    assert f"`{key}`" in rows
    assert f"`{ENV[key]}`" in rows


def test_the_two_commands_are_the_makefile_targets() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "make demo" in README
    assert "make test" in README
    assert re.search(r"^demo:", makefile, re.MULTILINE)
    assert re.search(r"^test:", makefile, re.MULTILINE)
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
