"""Pattern errors end with Jackson's location exactly as AWS's do.

Each case is an answer recorded against AWS (localstack's
tests/aws/services/events/test_events_patterns.snapshot.json, ``MessageRaw``): the text
after ``Reason: `` including the ``\\n at [Source: ...]`` suffix, which AWS shows once,
twice (errors from a list inside anything-but) or not at all (CIDR, "too complex").
"""

from __future__ import annotations

import pytest

from eventyard.core.json_errors import jackson_location, jackson_suffix
from eventyard.core.patterns.errors import InvalidEventPattern
from eventyard.core.patterns.parse import parse_pattern


def _at(pattern: str, column: int) -> str:
    return f'\n at [Source: (String)"{pattern}"; line: 1, column: {column}]'


RECORDED = [
    ('{"int": 42}', '"int" must be an object or an array', 11, 1),
    ('{"string": "my-value"}', '"string" must be an object or an array', 13, 1),
    ('{"detail": {"equal": [{"NUMERIC": ["=", 5]}]}}', "Unrecognized match type NUMERIC", 36, 1),
    ('{"my_key": [{"EXISTS": true}]}', "Unrecognized match type EXISTS", 28, 1),
    ('{"resources": []}', "Empty arrays are not allowed", 17, 1),
    ('{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}', "Bad numeric range operator: >", 49, 1),
    ('{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}', "Value of < must be numeric", 50, 1),
    ('{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}',
     "Consecutive wildcard characters at pos 26", 72, 1),
    ('{"detail-type": [{"equals-ignore-case": ["ec2 instance state-change notification"]}]}',
     "equals-ignore-case match pattern must be a string", 42, 1),
    ('{"detail-type": [{"equals-ignore-case": {"prefix": "ec2"}}]}',
     "equals-ignore-case match pattern must be a string", 42, 1),
    ('{"detail": {"state": [{"anything-but": {"equals-ignore-case": 123}}]}}',
     "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.", 66, 1),
    ('{"detail": {"state": [{"anything-but": {"equals-ignore-case": [123, 456]}}]}}',
     "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.", 67, 2),
    ('{"EventBusArn": [{"wildcard": 123}]}', "wildcard match pattern must be a string", 34, 1),
    ('{"EventBusArn": [{"wildcard": ["arn:aws:events:us-east-1:**:event-bus/*"]}]}',
     "wildcard match pattern must be a string", 32, 1),
    ('{"detail": {"state": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]}}',
     "wildcard match pattern must be a string", 57, 2),
    ('{"detail": {"FilePath": [{"anything-but": {"wildcard": 123}}]}}',
     "wildcard match pattern must be a string", 59, 1),
    ('{"detail": {"FileName": [{"anything-but": {"suffix": [123, ".txt"]}}]}}',
     "prefix/suffix match pattern must be a string", 58, 2),
    ('{"detail": {"FileName": [{"anything-but": {"suffix": 123}}]}}',
     "prefix/suffix match pattern must be a string", 57, 1),
    ('{"detail": {"state": [{"anything-but": {"prefix": [123, "test"]}}]}}',
     "prefix/suffix match pattern must be a string", 55, 2),
    ('{"detail": {"state": [{"anything-but": {"prefix": 123}}]}}',
     "prefix/suffix match pattern must be a string", 54, 1),
    ('{"time": [{"prefix": ["2022-07-13"]}]}', "prefix match pattern must be a string", 23, 1),
    ('{"time": [{"prefix": 123}]}', "prefix match pattern must be a string", 25, 1),
    ('{"FileName": [{"suffix": 123}]}', "suffix match pattern must be a string", 29, 1),
    ('{"FileName": [{"suffix": [".png"]}]}', "suffix match pattern must be a string", 27, 1),
    ('{"detail": {"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}}',
     "Value of anything-but must be an array or single string/number value.", 55, 1),
    ('{"detail": {"FileName": [{"anything-but": {"suffix": {"equals-ignore-case": ".png"}}}]}}',
     "Value of anything-but must be an array or single string/number value.", 55, 1),
    ('{"detail": {"sourceIPAddress": [{"cidr": ["bad-type"]}]}}', "prefix match pattern must be a string", 43, 1),
    # JSON errors (test_invalid_json_event_pattern)
    ("this is valid json but not a dict",
     "Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
     5, 1),
    ("{'bad': 'quotation'}",
     "Unexpected character (''' (code 39)): was expecting double-quote to start field name", 2, 1),
    ('{"not": closed mark"',
     "Unrecognized token 'closed': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
     15, 1),
    ('["not", "a", "dict", "but valid json"]', "Filter is not an object", 2, 1),
    # no location at all
    ('{"detail": {"sourceIPAddress": [{"cidr": "bad-ip"}]}}', "Malformed CIDR, one '/' required", None, 0),
    ('{"detail": {"sourceIPAddress": [{"cidr": "xx.11.xx/8"}]}}', "Nonstandard IP address: xx.11.xx", None, 0),
    ('{"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/x"}]}}', "Malformed CIDR, mask bits must be an integer",
     None, 0),
]


@pytest.mark.parametrize(("pattern", "reason", "column", "times"), RECORDED)
def test_errors_end_with_the_parsers_location_as_on_aws(pattern: str, reason: str, column: int | None,
                                                        times: int) -> None:
    with pytest.raises(InvalidEventPattern) as exc:
        parse_pattern(pattern)
    suffix = _at(pattern, column) * times if column is not None else ""
    assert exc.value.message == "Event pattern is not valid. Reason: " + reason + suffix
    assert exc.value.reason == reason  # the bare reason stays available


def test_too_complex_wildcards_carry_no_location() -> None:
    with pytest.raises(InvalidEventPattern) as exc:
        parse_pattern('{"EventBusArn": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}')
    assert "\n at [Source" not in exc.value.message


@pytest.mark.parametrize(("pattern", "column"), [
    ('{"a": {}}', 9),  # Empty objects: after the closing brace
    ('{"a": [[1]]}', 9),  # Match value must be ...: after the inner '['
    ('{"a": [{}]}', 10),  # Match expression name not found: after '}'
    ('{"a": [{"prefix": "x", "suffix": "y"}]}', 35),  # Only one key: the next field read, past its quote
    ('{"a": [{"numeric": ["<", 1, 2]}]}', 30),  # Too many elements: after the extra number
    ('{"$or": [{"a": [1]}]}', 21),  # at least 2 Objects: after the $or array's ']'
])
def test_locations_follow_event_rulers_reads(pattern: str, column: int) -> None:
    with pytest.raises(InvalidEventPattern) as exc:
        parse_pattern(pattern)
    assert exc.value.message.endswith(_at(pattern, column))


def test_location_counts_lines_and_truncates_long_text() -> None:
    assert jackson_location('{\n  "a": 1}', 10) == '[Source: (String)"{\n  "a": 1}"; line: 2, column: 9]'
    assert jackson_location("a\r\nb\rc", 6) == '[Source: (String)"a\r\nb\rc"; line: 3, column: 2]'
    long = "x" * 600
    assert jackson_location(long, 3) == f'[Source: (String)"{"x" * 500}"[truncated 100 chars]; line: 1, column: 4]'
    assert jackson_suffix("{}", 1) == '\n at [Source: (String)"{}"; line: 1, column: 2]'
    assert jackson_location("\U0001f600x", 2).endswith("column: 4]")  # UTF-16 units, as Java counts


def test_multi_line_patterns_report_the_line() -> None:
    pattern = '{\n  "source": "x"\n}'
    with pytest.raises(InvalidEventPattern) as exc:
        parse_pattern(pattern)
    assert exc.value.message.endswith(f'\n at [Source: (String)"{pattern}"; line: 2, column: 14]')
