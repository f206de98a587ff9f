from __future__ import annotations

import pytest

from pipelines.errors import InputError
from pipelines.layout import CANONICAL, describe, parse_layout
from pipelines.types import Layout


def test_defaults():
    assert parse_layout("") == Layout()
    assert describe(Layout()) == "untucked, sleeves down, closed jacket"


def test_full_phrase():
    layout = parse_layout("Rolled sleeves, TUCKED-IN and open jacket")
    assert (layout.tuck, layout.sleeves, layout.outerwear) == ("tucked", "rolled", "open")
    assert layout.understood == ("rolled sleeves", "tucked in", "open jacket")


@pytest.mark.parametrize(
    "text,attr,value",
    [
        ("sleeves pushed up", "sleeves", "rolled"),
        ("half-tucked", "tuck", "half_tucked"),
        ("french tuck", "tuck", "half_tucked"),
        ("untucked", "tuck", "untucked"),
        ("unbuttoned", "outerwear", "open"),
        ("jacket closed", "outerwear", "closed"),
        ("sleeves down", "sleeves", "down"),
        ("the shirt tucked in", "tuck", "tucked"),
    ],
)
def test_synonyms(text, attr, value):
    assert getattr(parse_layout(text), attr) == value


def test_unknown_phrase_lists_what_is_understood():
    with pytest.raises(InputError) as err:
        parse_layout("tucked in, inside out")
    message = str(err.value)
    assert "inside out" in message
    for phrase in CANONICAL.values():
        assert phrase in message


def test_contradiction_is_refused():
    with pytest.raises(InputError, match="both"):
        parse_layout("tucked in, untucked")
