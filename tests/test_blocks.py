"""The cleaner's block classifier: its features, the shipped model file and its training script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer import parse_page
from summarizer.blocks import (
    BLOCK_FEATURES,
    BLOCK_MODEL_FILE,
    block_features,
    block_model,
    is_tag_list,
    kept_blocks,
)
from summarizer.linear import LinearModel
from summarizer.page import parse_dump, read_dump, to_blocks
from summarizer.train_blocks import PAGES

ROOT = Path(__file__).resolve().parent.parent
_ARTICLE = (
    "Der Stadtrat hat am Dienstagabend nach langer Debatte beschlossen, die Buslinien im Norden "
    "der Stadt ab dem kommenden Frühjahr im Zehn-Minuten-Takt fahren zu lassen. Die Kosten von "
    "rund zwei Millionen Euro im Jahr sollen zur Hälfte aus Landesmitteln gedeckt werden."
)


def test_shipped_model_loads_from_the_package_and_matches_the_features() -> None:
    model = block_model()
    assert model.features == BLOCK_FEATURES
    assert len(model.coef) == len(model.mean) == len(model.scale) == len(BLOCK_FEATURES)
    assert -2.0 <= model.setting("threshold", 99.0) <= 2.0


def test_feature_matrix_has_one_row_per_block_and_one_column_per_feature() -> None:
    dump = "\n\n".join(["Startseite", "Neuer Takt für die Buslinien", _ARTICLE, "Impressum"])
    reading, _, _ = read_dump(to_blocks(dump))
    assert block_features(reading).shape == (4, len(BLOCK_FEATURES))


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
    keep_nothing = LinearModel(
        BLOCK_FEATURES,
        tuple(0.0 for _ in BLOCK_FEATURES),
        tuple(1.0 for _ in BLOCK_FEATURES),
        tuple(0.0 for _ in BLOCK_FEATURES),
        -100.0,
    )
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


@pytest.mark.integration
def test_training_script_reproduces_the_shipped_model(tmp_path: Path) -> None:
    if not PAGES.exists():
        pytest.skip("pages_dev is not on this machine")
    out = tmp_path / BLOCK_MODEL_FILE
    subprocess.run(
        [sys.executable, "-m", "summarizer.train_blocks", "--out", str(out)], check=True, cwd=ROOT
    )
    shipped = ROOT / "summarizer" / "models" / BLOCK_MODEL_FILE
    assert out.read_bytes() == shipped.read_bytes()
