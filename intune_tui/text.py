"""Untrusted tenant text made safe to show: no control characters, no bidi tricks.

Device, user and app names are typed by end users. They may hold terminal escape sequences
(`\\x1b[31m`), C1 controls, or bidi overrides that reorder what the helpdesk reads. Rich markup is
not stripped here (it is harmless text); callers must render through `rich.text.Text`, never
through markup parsing.
"""

from __future__ import annotations

import re
import unicodedata

_ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
# Printable (so `str.isprintable()` lets them through) yet invisible: the combining grapheme
# joiner, the Hangul fillers, and the variation selectors (VS16 is kept after an emoji, below).
_INVISIBLE_PRINTABLE = frozenset(
    "\u034f\u115f\u1160\u3164\uffa0"
    + "".join(chr(code) for code in range(0xFE00, 0xFE10))
    + "".join(chr(code) for code in range(0xE0100, 0xE01F0))
)
_ZWJ = "\u200d"
_VS16 = "\ufe0f"
_KEYCAP = "\u20e3"
_TAG_FLAG = "\U0001f3f4"
_TAG_SPECS = range(0xE0020, 0xE007F)
_TAG_END = "\U000e007f"
# Categories that become a space (they break lines or are controls) and that are dropped.
_AS_SPACE = frozenset({"Cc", "Zl", "Zp"})
_DROPPED = frozenset({"Cf", "Cs"})


def clean(value: object) -> str:
    """Return `value` as a single line of printable text, without invisible characters.

    Escape sequences are removed whole (so `\\x1b[31m` leaves nothing, not `[31m`); other
    controls (Cc) and line or paragraph separators (Zl, Zp) become spaces, like a newline;
    format characters (Cf: bidi controls, zero-width characters, soft hyphen, U+180E, invisible
    operators, interlinear annotations, tags) are dropped, and so are the combining grapheme
    joiner, the Hangul fillers and variation selectors. So two names that look the same are the
    same text, and a name can be typed as it is shown.

    What emoji need is kept (decided here, see `_emoji_part`): a zero-width joiner between two
    emoji (👩‍💻), VS16 after an emoji or before a keycap (❤️, 1️⃣), and the tag characters of a
    subdivision flag (🏴 + tags + cancel tag). Elsewhere they are invisible and dropped.
    None becomes the empty string.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.isascii() and text.isprintable():
        return text
    text = _ESCAPE_SEQUENCE.sub("", text)
    if not text.isprintable() or not _INVISIBLE_PRINTABLE.isdisjoint(text):
        text = _visible(text)
    return unicodedata.normalize("NFC", text)


def _visible(text: str) -> str:
    kept: list[str] = []
    in_tag_flag = False
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if category in _AS_SPACE:
            kept.append(" ")
            in_tag_flag = False
            continue
        if ord(char) in _TAG_SPECS or char == _TAG_END:
            if in_tag_flag or (kept and kept[-1] == _TAG_FLAG and _tag_sequence_ends(text, index)):
                kept.append(char)
                in_tag_flag = char != _TAG_END
            continue
        in_tag_flag = False
        if category in _DROPPED or char in _INVISIBLE_PRINTABLE:
            if _emoji_part(char, kept, text, index):
                kept.append(char)
            continue
        kept.append(char)
    return "".join(kept)


def _is_emoji(char: str) -> bool:
    # Emoji are Other Symbols (So); the skin-tone modifiers U+1F3FB..1F3FF are Sk.
    return unicodedata.category(char) == "So" or 0x1F3FB <= ord(char) <= 0x1F3FF


def _emoji_part(char: str, kept: list[str], text: str, index: int) -> bool:
    """Whether a ZWJ or VS16 at text[index] is part of an emoji sequence (and so visible)."""
    following = text[index + 1] if index + 1 < len(text) else ""
    before = kept[-1] if kept else ""
    if char == _VS16:
        return (bool(before) and _is_emoji(before)) or following == _KEYCAP
    if char == _ZWJ:
        emoji_before = bool(before) and (_is_emoji(before) or before == _VS16)
        return emoji_before and bool(following) and _is_emoji(following)
    return False


def _tag_sequence_ends(text: str, index: int) -> bool:
    """Tag characters from text[index] on are specs closed by a cancel tag."""
    for char in text[index:]:
        if char == _TAG_END:
            return True
        if ord(char) not in _TAG_SPECS:
            return False
    return False


def truncate(text: str, width: int) -> str:
    """Cut `text` to `width` cells' worth of characters, marking the cut with an ellipsis."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    return text[: width - 1] + "…"
