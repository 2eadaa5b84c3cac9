"""Every string a user can see exists in German and English, and neither leaks into the other."""

from __future__ import annotations

import string

import pytest

from bot.allowed_urls import Allowed, url_refusal
from bot.commands import COMMANDS
from bot.commands.admin import refusal_text
from bot.commands.subscriptions import SETTINGS
from bot.texts import MESSAGES
from tests.i18n import foreign_words


def _without_fields(text: str) -> str:
    return "".join(literal for literal, *_ in string.Formatter().parse(text))


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_is_in_both_languages_and_each_stays_in_its_own(key: str) -> None:
    de, en = MESSAGES[key]
    assert de.strip()
    assert en.strip()
    assert not foreign_words(_without_fields(en), "en"), (key, en)
    assert not foreign_words(_without_fields(de), "de"), (key, de)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_and_argument_names_in_both_languages(name: str) -> None:
    command = COMMANDS[name]
    for language in ("de", "en"):
        text = command.usage(language) + " " + command.help(language)
        assert not foreign_words(text, language), (name, language, text)
    assert bool(command.synopsis[0]) == bool(command.synopsis[1])


def test_every_setting_has_a_name_and_example_in_both_languages() -> None:
    for setting in SETTINGS:
        assert setting.name("de")
        assert setting.name("en")
        assert not foreign_words(setting.example("en"), "en"), setting
        assert not foreign_words(setting.example("de"), "de"), setting


def test_the_check_catches_a_german_word_in_english() -> None:
    assert foreign_words("Sources: unbekannt", "en") == {"unbekannt"}
    assert foreign_words("Quellen: unknown", "de") == {"unknown"}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/feed",
        "http://10.0.0.1/feed",
        "http://169.254.169.254/x",
        "http://localhost/rss",
        "http://[::]/rss",
        "http://user:pw@example.org/rss",
        "http:///rss",
    ],
)
def test_a_refused_address_is_explained_in_german_without_english_words(url: str) -> None:
    refusal = url_refusal(url, Allowed())
    assert refusal is not None
    german = refusal_text("de", refusal)
    assert not foreign_words(german, "de"), german
    assert refusal_text("en", refusal)  # English keeps the detail as the log writes it


def test_settings_names_and_hints_stay_in_their_language() -> None:
    for setting in SETTINGS:
        for language in ("de", "en"):
            assert not foreign_words(setting.example(language), language), setting
