"""The cleaner's block classifier: its features, the shipped model file and its training script."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer import parse_page
from summarizer.blocks import (
    BLOCK_FEATURES,
    BLOCK_MODEL_FILE,
    CONTEXT_FEATURES,
    CONTEXT_MODEL_FILE,
    STACKED_FEATURES,
    BlockModel,
    block_features,
    block_model,
    context_features,
    is_tag_list,
    kept_blocks,
)
from summarizer.linear import LinearModel
from summarizer.page import parse_dump, read_dump, to_blocks
from tests.conftest import RETRAIN_WAIT
from tools.train_blocks import PAGES

ROOT = Path(__file__).resolve().parent.parent
_ARTICLE = (
    "Der Stadtrat hat am Dienstagabend nach langer Debatte beschlossen, die Buslinien im Norden "
    "der Stadt ab dem kommenden Frühjahr im Zehn-Minuten-Takt fahren zu lassen. Die Kosten von "
    "rund zwei Millionen Euro im Jahr sollen zur Hälfte aus Landesmitteln gedeckt werden."
)


def test_shipped_model_loads_from_the_package_and_matches_the_features() -> None:
    model = block_model()
    for stage, names in ((model.first, BLOCK_FEATURES), (model.second, STACKED_FEATURES)):
        assert stage.features == names
        assert len(stage.coef) == len(stage.mean) == len(stage.scale) == len(names)
    assert -2.0 <= model.second.setting("threshold", 99.0) <= 2.0


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.floats(-12, 12), st.sampled_from([0.0, -0.0, 8.0, -8.0, 1.5])),
        min_size=1,
        max_size=60,
    )
)
def test_the_pages_90th_percentile_is_numpys_to_the_bit(values: list[float]) -> None:
    """page_p90 is computed without np.percentile (its first use imports numpy.ma), and must
    be the same number, signed zeros and all, or the shipped model would read other inputs."""
    logits = np.array(values)
    column = context_features(logits)[:, CONTEXT_FEATURES.index("page_p90")]
    expected = np.percentile(np.clip(logits, -8.0, 8.0), 90)
    assert column.tobytes() == np.full(len(values), expected).tobytes()


def test_features_with_room_score_as_the_stacked_matrix() -> None:
    """The features written with room for the context columns give the logits the stacked copy
    gives, to the bit."""
    raw = to_blocks((ROOT / "seeds" / "dpa-kreml-venezuela-2025-11-02.txt").read_text())
    reading = read_dump(raw)[0]
    model = block_model()
    roomy = block_features(reading, room=True)
    assert roomy.shape == (len(raw), len(STACKED_FEATURES))
    assert model.logits(roomy).tobytes() == model.logits(block_features(reading)).tobytes()


def test_context_marks_a_short_block_between_kept_blocks() -> None:
    logits = np.array([-5.0, 4.0, -1.0, 3.0, -6.0, -6.0])
    context = context_features(logits)
    column = {name: context[:, k] for k, name in enumerate(CONTEXT_FEATURES)}
    assert context.shape == (6, len(CONTEXT_FEATURES))
    assert column["in_kept_range"].tolist() == [0.0, 1.0, 1.0, 1.0, 0.0, 0.0]
    assert column["left_max_1"][2] == 4.0
    assert column["right_max_1"][2] == 3.0
    assert column["left_max_1"][0] == column["right_max_1"][5] == -8.0  # nothing beyond the page
    # The share of the page's body probability above a block grows down the page.
    assert np.all(np.diff(column["mass_before"]) >= 0)
    assert column["kept_gap"][2] == pytest.approx(np.log1p(1))
    assert context_features(np.zeros(0)).shape == (0, len(CONTEXT_FEATURES))


def test_feature_matrix_has_one_row_per_block_and_one_column_per_feature() -> None:
    dump = "\n\n".join(["Startseite", "Neuer Takt für die Buslinien", _ARTICLE, "Impressum"])
    reading, _, _ = read_dump(to_blocks(dump))
    assert block_features(reading).shape == (4, len(BLOCK_FEATURES))


@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=6))
@settings(max_examples=200, deadline=None)
def test_character_shares_count_as_str_methods_do(texts: list[str]) -> None:
    # Any characters: superscript digits ("m²"), emoji, CJK, lone surrogates, odd spaces.
    reading, _, _ = read_dump(to_blocks("\n\n".join(texts)))
    features = block_features(reading)
    column = {name: features[:, k] for k, name in enumerate(BLOCK_FEATURES)}
    for k, block in enumerate(reading.blocks):
        text = block.text
        letters = sum(map(str.isalpha, text))
        punct = len(text) - sum(map(str.isalnum, text)) - sum(map(str.isspace, text))
        assert column["digit_share"][k] == sum(map(str.isdigit, text)) / len(text)
        assert column["punct_share"][k] == punct / max(letters + punct, 1)


def test_character_shares_of_digits_beyond_ascii() -> None:
    reading, _, _ = read_dump(to_blocks("Fläche 20 m² 🏠 ٣ 一\ud800"))
    column = dict(zip(BLOCK_FEATURES, block_features(reading)[0], strict=True))
    text = reading.blocks[0].text
    assert column["digit_share"] == 4 / len(text)  # "2", "0", "²", "٣"


def test_model_keeps_the_article_and_drops_menu_and_footer() -> None:
    dump = "\n\n".join(
        ["Startseite", "Politik", "Neuer Takt für die Buslinien", _ARTICLE, "Impressum", "AGB"]
    )
    page = parse_page(dump)
    assert page.title == "Neuer Takt für die Buslinien"
    assert page.paragraphs == (_ARTICLE,)


def test_tag_line_is_never_body() -> None:
    assert is_tag_list("USA, Venezuela")
    assert is_tag_list("Politik · Ausland")
    assert not is_tag_list("Russland ist ein Verbündeter Venezuelas.")


def test_a_model_that_keeps_nothing_falls_back_to_a_block() -> None:
    def constant(names: tuple[str, ...], intercept: float) -> LinearModel:
        n = len(names)
        return LinearModel(names, (0.0,) * n, (1.0,) * n, (0.0,) * n, intercept)

    keep_nothing = BlockModel(constant(BLOCK_FEATURES, 0.0), constant(STACKED_FEATURES, -100.0))
    reading, _, _ = read_dump(to_blocks("Menü\n\nKontakt"))
    assert kept_blocks(reading, keep_nothing)
    assert parse_dump("Menü\n\nKontakt", keep_nothing).body


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Menü",
                "Neuer Takt für die Buslinien im Norden",
                "12.03.2024",
                "4 Kommentare",
                "Foto: dpa",
                "USA, Venezuela",
                "Weitere Meldungen",
                _ARTICLE,
            ]
        ),
        min_size=1,
        max_size=30,
    )
)
def test_a_dump_with_any_block_never_gives_an_empty_body(blocks: list[str]) -> None:
    page = parse_page("\n\n".join(blocks))
    assert page.body
    assert all(p in blocks for p in page.paragraphs)


def test_model_scores_differ_between_prose_and_menu() -> None:
    dump = "\n\n".join(["Startseite", "Neuer Takt für die Buslinien", _ARTICLE, "Impressum"])
    reading, _, _ = read_dump(to_blocks(dump))
    logits = block_model().logits(block_features(reading))
    assert logits[2] > logits[0]
    assert logits[2] > logits[3]
    assert np.all(np.isfinite(logits))


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.retrains("blocks")  # `python -m tools.train_blocks`, started at collection (conftest)
@pytest.mark.timeout(RETRAIN_WAIT + 60)
def test_training_script_reproduces_the_shipped_model(retrained: Callable[[], Path]) -> None:
    if not PAGES.exists():
        pytest.skip("pages_dev is not on this machine")
    out = retrained()
    for name in (BLOCK_MODEL_FILE, CONTEXT_MODEL_FILE):
        shipped = ROOT / "summarizer" / "models" / name
        assert (out / name).read_bytes() == shipped.read_bytes()
