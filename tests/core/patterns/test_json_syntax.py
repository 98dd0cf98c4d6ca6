"""Jackson's syntax-error wording with its location, as AWS's services report it."""

from __future__ import annotations

import pytest

from eventyard.core.patterns.json_syntax import REDACTED_SOURCE, syntax_error


@pytest.mark.parametrize(("text", "reason", "line", "column"), [
    ("{invalidjson}", "Unexpected character ('i' (code 105)): was expecting double-quote to start field name", 1, 2),
    ("invalid", "Unrecognized token 'invalid': was expecting (JSON String, Number, Array, Object or token 'null', "
                "'true' or 'false')", 1, 8),
    ('{"a" 1}', "Unexpected character ('1' (code 49)): was expecting a colon to separate field name and value", 1, 6),
    ('{\n  "a": }', "Unexpected character ('}' (code 125)): expected a value", 2, 8),
])
def test_reason_and_position(text: str, reason: str, line: int, column: int) -> None:
    found = syntax_error(text)
    assert found is not None
    assert (found.reason, found.line, found.column) == (reason, line, column)
    assert str(found) == f"{reason}\n at [Source: {REDACTED_SOURCE}; line: {line}, column: {column}]"


def test_the_source_is_the_callers() -> None:
    found = syntax_error('{"a": 1', source='(String)"{"a": 1"')
    assert found is not None and str(found).endswith('; line: 1, column: 8]')
    assert '(start marker at [Source: (String)"{"a": 1"; line: 1, column: 1])' in found.reason


def test_valid_json_has_no_error() -> None:
    assert syntax_error('{"a": [1, true, null, "x"]}') is None
