"""Untrusted tenant text made safe to show: no control characters, no bidi tricks.

Device, user and app names are typed by end users. They may hold terminal escape sequences
(`\\x1b[31m`), C1 controls, or bidi overrides that reorder what the helpdesk reads. Rich markup is
not stripped here (it is harmless text); callers must render through `rich.text.Text`, never
through markup parsing.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls except none (tab/newline are flattened to a space), DEL, C1 controls.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Bidi embeddings, overrides, isolates and marks that can reorder displayed text.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Zero-width and other invisible format characters that hide differences between names.
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")
_ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")


def clean(value: object) -> str:
    """Return `value` as a single line of printable text.

    Escape sequences are removed whole (so `\\x1b[31m` leaves nothing, not `[31m`), other
    control characters become spaces, bidi and invisible format characters are dropped.
    None becomes the empty string.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.isascii() and text.isprintable():
        return text
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = _BIDI.sub("", text)
    text = _INVISIBLE.sub("", text)
    return unicodedata.normalize("NFC", text)


def truncate(text: str, width: int) -> str:
    """Cut `text` to `width` cells' worth of characters, marking the cut with an ellipsis."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    return text[: width - 1] + "…"
