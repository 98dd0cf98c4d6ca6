"""JSON syntax errors worded as AWS's Jackson-based services word them, position included.

AWS's services parse JSON with Jackson and pass its message on, which ends with the
parser's location: ``\\n at [Source: <source>; line: L, column: C]``. SNS hides the
document (``REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)``);
EventBridge shows it as ``(String)"<text>"``. ``syntax_error`` returns Jackson's reason
and where it stopped; ``describe`` puts them together with the caller's source.

Columns are Jackson's: 1-based; an unexpected character is reported at its own column,
an unrecognized token just after it, the end of input one past the last character.

The location format itself lives in ``core.json_errors``; this module finds the position
with the event-pattern scanner, which already words the reasons as Jackson does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from eventyard.core.json_errors import line_and_column
from eventyard.core.patterns import _json

__all__ = ["REDACTED_SOURCE", "JsonSyntax", "describe", "syntax_error"]

REDACTED_SOURCE = "REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)"


@dataclass(frozen=True)
class JsonSyntax:
    reason: str
    line: int
    column: int
    source: str = REDACTED_SOURCE

    def __str__(self) -> str:
        return describe(self)


class _LocatingScanner(_json._Scanner):
    """The event-pattern scanner (which already words the reasons as Jackson does),
    noting the offset each complaint is about."""

    def __init__(self, text: str, source: str) -> None:
        super().__init__(text)
        self.at = 0
        self.source = source

    def _location(self, i: int) -> str:
        if self.source.startswith("(String)"):
            return super()._location(i)
        line, column = line_and_column(self.text, i)
        return f"[Source: {self.source}; line: {line}, column: {column}]"

    def _unexpected(self, i: int, what: str) -> NoReturn:
        self.at = i
        super()._unexpected(i, what)

    def _eof(self, container: tuple[str, int] | None) -> NoReturn:
        self.at = self.n
        super()._eof(container)

    def _value(self, i: int, container: tuple[str, int] | None) -> int:
        j = _json._skip(self.text, i)
        self.at = j
        if j < self.n:
            word = _json._word(self.text, j)
            if word and word not in ("true", "false", "null"):
                self.at = j + len(word)  # Jackson has read the whole token before it complains
        return super()._value(i, container)


def syntax_error(text: str, source: str = REDACTED_SOURCE) -> JsonSyntax | None:
    """Jackson's complaint about ``text`` and its position, or None when it parses.
    ``source`` is how the location names the document (SNS's redacted form by default)."""
    scanner = _LocatingScanner(text, source)
    found = scanner.error(_json._skip(text, 0))
    if found is None:
        if _json._skip(text, 0) == len(text):
            return JsonSyntax("No content to map due to end-of-input", 1, 1, source)
        return None
    at = min(scanner.at, len(text))
    line, column = line_and_column(text, at)
    return JsonSyntax(found.reason, line, column, source)


def describe(error: JsonSyntax) -> str:
    """The reason with Jackson's location suffix."""
    return f"{error.reason}\n at [Source: {error.source}; line: {error.line}, column: {error.column}]"
