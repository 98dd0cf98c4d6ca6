"""CloudWatch Logs filter patterns: the three forms AWS documents, and the patterns AWS
refuses (with its message)."""

from __future__ import annotations

import json

import pytest

from eventyard.core.logs_filter import FilterPatternError, compile_extractor, compile_filter


def matches(pattern: str, message: str) -> bool:
    return compile_filter(pattern)(message)


@pytest.mark.parametrize("pattern, message, expected", [
    ("", "anything", True),
    ("ERROR", "[ERROR] it broke", True),
    ("ERROR", "error, lower case", False),
    ("ERROR Exception", "ERROR: Exception raised", True),
    ("ERROR Exception", "ERROR only", False),
    ('"Internal Server Error"', "500 Internal Server Error", True),
    ('"Internal Server Error"', "Internal Error", False),
    ("ERROR -Exiting", "ERROR and Exiting", False),
    ("ERROR -Exiting", "ERROR and staying", True),
    ("?ERROR ?WARN", "WARN: disk", True),
    ("?ERROR ?WARN", "INFO: fine", False),
    ('?"timed out" ?ERROR', "Task timed out after 3.00 seconds", True),
    ("%ERR[O]+R%", "an ERROR here", True),
    ("%^INFO%", "an INFO line", False),
])
def test_terms(pattern: str, message: str, expected: bool):
    assert matches(pattern, message) is expected


DOC = json.dumps({"level": "ERROR", "n": 7, "x": "yes", "ok": True, "none": None, "user": {"id": "u-1"},
                  "items": [{"sku": "a"}, {"sku": "b"}], "code": "404"})


@pytest.mark.parametrize("pattern, expected", [
    ('{ $.level = "ERROR" }', True),
    ('{ $.level = "WARN" }', False),
    ("{ $.level = ERROR }", True),
    ('{ $.level != "WARN" }', True),
    ("{ $.n > 5 }", True),
    ("{ $.n > 7 }", False),
    ("{ $.n >= 7 && $.n <= 7 }", True),
    ('{ $.n > 5 && $.x = "yes" }', True),
    ('{ $.n > 5 && $.x = "no" }', False),
    ('{ $.n > 50 || $.x = "yes" }', True),
    ('{ ($.n > 50 || $.x = "yes") && $.level = "WARN" }', False),
    ('{ $.user.id = "u-*" }', True),
    ('{ $.items[1].sku = "b" }', True),
    ('{ $.items[*].sku = "b" }', True),
    ('{ $.items[0].sku = "b" }', False),
    ("{ $.ok IS TRUE }", True),
    ("{ $.ok IS FALSE }", False),
    ("{ $.none IS NULL }", True),
    ("{ $.gone NOT EXISTS }", True),
    ("{ $.level NOT EXISTS }", False),
    ("{ $.code = 404 }", True),
    ("{ $.gone = 1 }", False),
    ("{ $.gone != 1 }", False),
])
def test_json(pattern: str, expected: bool):
    assert matches(pattern, DOC) is expected


def test_json_patterns_skip_messages_that_are_not_json():
    assert not matches('{ $.level = "ERROR" }', "ERROR plain text")


LINE = '127.0.0.1 frank admin [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'


@pytest.mark.parametrize("pattern, expected", [
    ("[ip, user, username, timestamp, request, status_code, bytes]", True),
    ("[ip, user, username, timestamp, request, status_code = 404, bytes]", True),
    ("[ip, user, username, timestamp, request, status_code = 4*, bytes > 1000]", True),
    ("[ip, user, username, timestamp, request, status_code = 5*, bytes]", False),
    ("[ip, user, ..., status_code = 404, bytes]", True),
    ("[..., status_code = 404 || status_code = 500, bytes]", True),
    ("[ip, user]", False),
    ('[ip, user = frank, ..., request = "*index*", ...]', True),
    ("[ip = 10.*, ...]", False),
])
def test_space_delimited(pattern: str, expected: bool):
    assert matches(pattern, LINE) is expected


@pytest.mark.parametrize("pattern, term", [
    ("Status: timeout", ":"),
    ("?Status: timeout", ":"),
    ('{ $.n >= "someString" }', '"someString"'),
    ("{ $.n ~ 5 }", "~"),
])
def test_refused_patterns_name_the_term(pattern: str, term: str):
    with pytest.raises(FilterPatternError) as bad:
        compile_filter(pattern)
    assert str(bad.value) == f"Invalid character(s) in term '{term}'"


@pytest.mark.parametrize("pattern", ['"unclosed', "{ $.level = ", "{ $.level = 1", "[a, b", "{ }", "[a,]"])
def test_malformed_patterns_are_refused(pattern: str):
    with pytest.raises(FilterPatternError):
        compile_filter(pattern)


def test_extracted_fields_of_a_space_delimited_pattern():
    extract = compile_extractor("[ip, user, ..., status = 4*, bytes]")
    assert extract(LINE) == {"$ip": "127.0.0.1", "$user": "frank", "$status": "404", "$bytes": "1534"}
    assert extract("1 2 3 500 9") == {}
    assert compile_extractor("ERROR")(LINE) == {}
