"""Jackson's error location, as AWS's Java services end their JSON error messages.

A Jackson parser that refuses a document (or a caller that refuses it through the
parser, as event-ruler does) appends where the parser stood::

    Unexpected character (''' (code 39)): was expecting double-quote to start field name
     at [Source: (String)"{'bad': 1}"; line: 1, column: 2]

``column`` is 1 + the number of characters the parser had consumed on that line, so a
caller gives ``offset``, how many characters of the text had been read. Jackson counts
characters in UTF-16 code units, takes ``\\r\\n``, ``\\n`` and a lone ``\\r`` as one line
break each, and shows at most 500 characters of the text. Pure: no I/O.
"""

from __future__ import annotations

__all__ = ["JACKSON_SNIPPET_MAX", "jackson_location", "jackson_suffix", "line_and_column"]

JACKSON_SNIPPET_MAX = 500


def _utf16_length(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """Jackson's (line, column) after ``offset`` characters of ``text`` were read."""
    line, row_start, i = 1, 0, 0
    while True:
        n = text.find("\n", i, offset)
        r = text.find("\r", i, offset)
        if n < 0 and r < 0:
            break
        at = n if r < 0 or (0 <= n < r) else r
        step = 2 if text.startswith("\r\n", at) and at + 1 < offset else 1
        line, row_start, i = line + 1, at + step, at + step
    return line, _utf16_length(text[row_start:offset]) + 1


def jackson_location(text: str, offset: int, *, source: str = "String") -> str:
    """``[Source: (String)"<text>"; line: L, column: C]`` after ``offset`` characters read."""
    offset = max(0, min(offset, len(text)))
    line, column = line_and_column(text, offset)
    shown, cut = text, ""
    if len(text) > JACKSON_SNIPPET_MAX:
        shown, cut = text[:JACKSON_SNIPPET_MAX], f"[truncated {len(text) - JACKSON_SNIPPET_MAX} chars]"
    return f'[Source: ({source})"{shown}"{cut}; line: {line}, column: {column}]'


def jackson_suffix(text: str, offset: int, *, source: str = "String") -> str:
    """What Jackson appends to a message: a line break, `` at `` and the location."""
    return "\n at " + jackson_location(text, offset, source=source)
