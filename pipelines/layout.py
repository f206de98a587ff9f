"""Layout phrases ("rolled sleeves, tucked in, open jacket") -> a typed :class:`Layout`.

Case, hyphens and word order within a known phrase do not matter. Anything not
understood is refused with the list of what is understood, never silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pipelines.errors import InputError
from pipelines.types import Layout

# phrase -> (attribute, value). Keys are normalised: lower case, single spaces, no hyphens.
PHRASES: dict[str, tuple[str, str]] = {
    **dict.fromkeys(
        ["tucked in", "tucked", "tuck in", "tucked into trousers", "tucked into pants", "tucked into skirt",
         "shirt tucked in", "top tucked in", "full tuck", "fully tucked"],
        ("tuck", "tucked"),
    ),
    **dict.fromkeys(
        ["untucked", "not tucked", "tucked out", "hanging out", "shirt out", "top out", "worn out", "loose hem"],
        ("tuck", "untucked"),
    ),
    **dict.fromkeys(
        ["half tucked", "half tuck", "front tuck", "front tucked", "french tuck", "partially tucked", "partly tucked"],
        ("tuck", "half_tucked"),
    ),
    **dict.fromkeys(
        ["rolled sleeves", "sleeves rolled", "sleeves rolled up", "rolled up sleeves", "rolled", "rolled up",
         "sleeves pushed up", "pushed up sleeves", "sleeves up", "pushed sleeves", "cuffed sleeves"],
        ("sleeves", "rolled"),
    ),
    **dict.fromkeys(
        ["sleeves down", "unrolled sleeves", "sleeves unrolled", "full sleeves", "sleeves full length"],
        ("sleeves", "down"),
    ),
    **dict.fromkeys(
        ["open jacket", "jacket open", "open coat", "coat open", "open", "unbuttoned", "unbuttoned jacket",
         "unzipped", "unzipped jacket", "worn open", "open cardigan", "cardigan open"],
        ("outerwear", "open"),
    ),
    **dict.fromkeys(
        ["closed jacket", "jacket closed", "closed coat", "coat closed", "closed", "buttoned", "buttoned up",
         "buttoned jacket", "zipped", "zipped up", "zipped jacket", "closed cardigan"],
        ("outerwear", "closed"),
    ),
}
# The canonical phrase per value, used in messages and by the studio's chips.
CANONICAL: dict[tuple[str, str], str] = {
    ("tuck", "tucked"): "tucked in",
    ("tuck", "untucked"): "untucked",
    ("tuck", "half_tucked"): "half tucked",
    ("sleeves", "rolled"): "rolled sleeves",
    ("sleeves", "down"): "sleeves down",
    ("outerwear", "open"): "open jacket",
    ("outerwear", "closed"): "closed jacket",
}
_SPLIT = re.compile(r"\s*(?:,|;|\+|/|\band\b|\bwith\b|\n)\s*")
_FILLER = re.compile(r"\b(?:the|a|an|his|her|their|my|is|are|worn|wear|wearing|please)\b")


def normalise(fragment: str) -> str:
    text = fragment.lower().replace("-", " ").replace("_", " ")
    text = re.sub(r"[^a-z ]", " ", text)
    kept = " ".join(text.split())
    if kept in PHRASES:
        return kept
    return " ".join(_FILLER.sub(" ", kept).split())


def parse_layout(text: str | None) -> Layout:
    """Parse a layout phrase; empty text gives the defaults (untucked, sleeves down, closed)."""
    layout = Layout()
    if not text or not text.strip():
        return layout
    chosen: dict[str, tuple[str, str]] = {}
    understood: list[str] = []
    for raw in _SPLIT.split(text.strip()):
        if not raw.strip():
            continue
        key = normalise(raw)
        if key not in PHRASES:
            raise InputError(
                f"The layout phrase '{raw.strip()}' is not understood; use any of: {', '.join(CANONICAL.values())}."
            )
        attribute, value = PHRASES[key]
        if attribute in chosen and chosen[attribute][0] != value:
            raise InputError(
                f"The layout asks for both '{chosen[attribute][1]}' and '{raw.strip()}'; keep one of them."
            )
        chosen[attribute] = (value, raw.strip())
        understood.append(CANONICAL[(attribute, value)])
    values = {attribute: value for attribute, (value, _) in chosen.items()}
    return replace(layout, **values, understood=tuple(dict.fromkeys(understood)))


def describe(layout: Layout) -> str:
    """A human summary such as "tucked in, rolled sleeves, open jacket"."""
    return ", ".join(
        CANONICAL[(a, v)] for a, v in (("tuck", layout.tuck), ("sleeves", layout.sleeves), ("outerwear", layout.outerwear))
    )
