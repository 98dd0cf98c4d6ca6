"""Hypothesis strategies for botocore shapes, and botocore as the wire oracle.

``values(shape)`` draws random *valid* Python values for a botocore shape the way a
boto3 caller would pass them (aware datetimes, bytes for blobs). The botocore helpers
turn such values into eventyard ``HttpRequest``s with botocore's own serializers, and
eventyard ``HttpResponse``s back into values with botocore's own parsers.

Imported by the ``test_roundtrip_*`` modules as ``_shapes_strategies``: pytest puts each
test module's directory on the import path (no packages in tests/).
"""

from __future__ import annotations

import io
import math
import random
import re
import re._constants as _sre  # the stdlib's own regex parser (3.11+), walked for examples
import re._parser as _parser
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable
from urllib.parse import urlsplit

import botocore.session
from botocore.awsrequest import AWSRequest, HeadersDict, prepare_request_dict
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.parsers import create_parser
from botocore.response import StreamingBody
from botocore.serialize import create_serializer
from hypothesis import strategies as st

from eventyard.api.http import HttpRequest, HttpResponse

MAX_ITEMS = 3  # list / map sizes above their minimum
MAX_TEXT = 12  # string lengths above their minimum
MAX_DEPTH = 6  # recursive shapes (e.g. nested state machine definitions) stop here

UTC = timezone.utc

# Everything XML 1.0 and form encoding must carry: markup and form specials, CR (XML
# parsers fold a raw CR into LF), non-BMP characters. C0 controls other than
# TAB/LF/CR cannot appear in XML at all, so they are left out everywhere.
_SPECIALS = "\t\n\r &<>\"'=+%;/?#[]{}$\\~é中😀"
TEXT_CHARS = st.one_of(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
    st.sampled_from(_SPECIALS),
)

# botocore patterns written for Java regexes; the Unicode classes have no `re` spelling.
_JAVA_CLASSES = {r"\p{L}": "a-zA-Z", r"\p{Z}": " ", r"\p{N}": "0-9", r"\p{ASCII}": r"[\x00-\x7f]"}


@lru_cache(maxsize=None)
def service_model(name: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(name)


def operation(service: str, name: str) -> OperationModel:
    return service_model(service).operation_model(name)


# -- strategies ------------------------------------------------------------------
def values(shape: Shape, depth: int = 0, in_header: bool = False) -> st.SearchStrategy[Any]:
    """Random valid values for ``shape``: required members always, others at random."""
    kind = shape.type_name
    meta = shape.metadata
    in_header = in_header or shape.serialization.get("location") == "header"
    if kind == "structure":
        required = set(meta.get("required", ()))
        must: dict[str, st.SearchStrategy[Any]] = {}
        may: dict[str, st.SearchStrategy[Any]] = {}
        for name, member in shape.members.items():
            if name in required:
                must[name] = values(member, depth + 1)
            elif depth < MAX_DEPTH:
                may[name] = values(member, depth + 1)
        if meta.get("union"):
            if not may:
                return st.fixed_dictionaries(must)
            return st.sampled_from(sorted(may)).flatmap(
                lambda name: st.fixed_dictionaries({**must, name: may[name]})
            )
        return st.fixed_dictionaries(must, optional=may)
    if kind == "list":
        low, high = _bounds(meta, MAX_ITEMS)
        return st.lists(values(shape.member, depth + 1, in_header), min_size=low, max_size=high)
    if kind == "map":
        low, high = _bounds(meta, MAX_ITEMS)
        keys, items = values(shape.key, depth + 1), values(shape.value, depth + 1)
        return st.dictionaries(keys, items, min_size=low, max_size=high)
    if kind == "string":
        return _strings(shape)
    if kind in ("integer", "long"):
        bits = 31 if kind == "integer" else 63
        return st.integers(min_value=int(meta.get("min", -(2**bits))), max_value=int(meta.get("max", 2**bits - 1)))
    if kind in ("float", "double"):
        width = 32 if kind == "float" else 64
        if "min" in meta or "max" in meta:
            return st.floats(min_value=meta.get("min"), max_value=meta.get("max"), width=width)
        # AWS JSON spells these as strings; drawn often enough to be sure they are seen
        special = st.sampled_from([math.nan, math.inf, -math.inf])
        return st.one_of(special, st.floats(width=width))
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        moments = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC))
        if in_header:
            return moments.map(lambda d: d.replace(microsecond=0))  # botocore sends headers in whole seconds
        return moments.map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
    if kind == "blob":
        low, high = _bounds(meta, 24)
        return st.binary(min_size=low, max_size=high)
    raise NotImplementedError(f"no strategy for {kind} ({shape.name})")


def _bounds(meta: dict[str, Any], spread: int) -> tuple[int, int]:
    low = int(meta.get("min", 0))
    high = min(int(meta.get("max", low + spread)), low + spread)
    return low, high


def _strings(shape: Shape) -> st.SearchStrategy[str]:
    meta = shape.metadata
    if meta.get("enum"):
        return st.sampled_from(list(meta["enum"]))
    low, high = _bounds(meta, MAX_TEXT)
    pattern = meta.get("pattern")
    if not pattern or pattern in (".*", "[\\s\\S]*", "^.*$"):
        return st.text(TEXT_CHARS, min_size=low, max_size=high)
    for java, python in _JAVA_CLASSES.items():
        pattern = pattern.replace(java, python)
    compiled = re.compile(pattern)
    longest = int(meta.get("max", 10**6))
    # hypothesis' from_regex is slow on the long ARN alternations; a seeded walk of the
    # parsed pattern is fast (one draw per string), and fullmatch keeps only valid ones.
    return (
        st.integers(min_value=0, max_value=2**32)
        .map(lambda seed: regex_example(compiled, random.Random(seed), low))
        .filter(lambda s: low <= len(s) <= longest and compiled.fullmatch(s) is not None)
    )


# -- strings from a pattern ---------------------------------------------------------
_PALETTE = "abcXYZ019_-./:@ &<>\"'=+%;?#$é中😀\t"
_CATEGORY = {
    _sre.CATEGORY_DIGIT: "0123456789",
    _sre.CATEGORY_WORD: "abzAZ09_",
    _sre.CATEGORY_SPACE: " \t",
}
_CATEGORY_REGEX = {
    _sre.CATEGORY_DIGIT: r"\d",
    _sre.CATEGORY_NOT_DIGIT: r"\D",
    _sre.CATEGORY_WORD: r"\w",
    _sre.CATEGORY_NOT_WORD: r"\W",
    _sre.CATEGORY_SPACE: r"\s",
    _sre.CATEGORY_NOT_SPACE: r"\S",
}


def regex_example(compiled: re.Pattern[str], rnd: Any, min_length: int = 0) -> str:
    """A random string ``compiled`` probably matches (callers check with fullmatch)."""
    out: list[str] = []
    _walk(_parsed(compiled), rnd, out, 3 + min_length)
    return "".join(out)


@lru_cache(maxsize=None)
def _parsed(compiled: re.Pattern[str]) -> Any:
    return _parser.parse(compiled.pattern, compiled.flags)


def _walk(items: Any, rnd: Any, out: list[str], spread: int) -> None:
    for op, av in items:
        if op is _sre.LITERAL:
            out.append(chr(av))
        elif op is _sre.NOT_LITERAL:
            out.append(rnd.choice([c for c in _PALETTE if ord(c) != av]))
        elif op is _sre.ANY:
            out.append(rnd.choice(_PALETTE))
        elif op is _sre.IN:
            out.append(_pick_in(av, rnd))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            lo, hi, sub = av
            for _ in range(rnd.randint(lo, min(hi, lo + spread))):
                _walk(sub, rnd, out, spread)
        elif op is _sre.SUBPATTERN:
            _walk(av[-1], rnd, out, spread)
        elif op is _sre.BRANCH:
            _walk(rnd.choice(av[1]), rnd, out, spread)
        elif op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
            continue  # anchors and lookarounds: the final fullmatch checks them
        else:
            raise NotImplementedError(f"regex op {op}")


def _pick_in(items: list[tuple[Any, Any]], rnd: Any) -> str:
    if items and items[0][0] is _sre.NEGATE:
        rest = items[1:]
        allowed = [c for c in _PALETTE if not any(_in_item(c, op, av) for op, av in rest)]
        return rnd.choice(allowed)
    op, av = rnd.choice(items)
    if op is _sre.LITERAL:
        return chr(av)
    if op is _sre.RANGE:
        return chr(rnd.randint(av[0], av[1]))
    if op is _sre.CATEGORY and av in _CATEGORY:
        return rnd.choice(_CATEGORY[av])
    return rnd.choice([c for c in _PALETTE if _in_item(c, op, av)])


def _in_item(char: str, op: Any, av: Any) -> bool:
    if op is _sre.LITERAL:
        return ord(char) == av
    if op is _sre.RANGE:
        return av[0] <= ord(char) <= av[1]
    if op is _sre.CATEGORY:
        return re.fullmatch(_CATEGORY_REGEX[av], char) is not None
    raise NotImplementedError(f"regex class item {op}")


# -- comparison --------------------------------------------------------------
def normalize(value: Any, shape: Shape) -> Any:
    """A comparable form: timestamps as UTC epoch milliseconds, NaN as a marker."""
    kind = shape.type_name
    if value is None:
        return None
    if kind == "structure":
        return {name: normalize(item, shape.members[name]) for name, item in value.items()}
    if kind == "list":
        return [normalize(v, shape.member) for v in value]
    if kind == "map":
        return {k: normalize(v, shape.value) for k, v in value.items()}
    if kind == "timestamp":
        assert isinstance(value, datetime) and value.tzinfo is not None, value
        return round(value.timestamp() * 1000)
    if kind in ("float", "double"):
        if value in ("NaN", "Infinity", "-Infinity"):
            value = float(value)  # botocore's JSON 1.0/1.1 parser hands the wire string back as is
        assert isinstance(value, float), value
        return "NaN" if math.isnan(value) else value
    if kind == "blob":
        assert isinstance(value, bytes), value
    return value


Unsent = Callable[[Any, Shape], bool]


def prune(value: Any, shape: Shape, unsent: Unsent) -> Any:
    """``value`` without the members a protocol writes nothing for (bottom-up)."""
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, item in value.items():
            member = shape.members[name]
            item = prune(item, member, unsent)
            if not unsent(item, member):
                out[name] = item
        return out
    if kind == "list":
        return [prune(v, shape.member, unsent) for v in value]
    if kind == "map":
        return {k: prune(v, shape.value, unsent) for k, v in value.items()}
    return value


def assert_same(actual: Any, expected: Any, shape: Shape, unsent: Unsent | None = None) -> None:
    """Equal once normalized; ``unsent`` members (the wire cannot tell them from absent) dropped."""
    if unsent is not None:
        actual = prune(actual, shape, unsent)
        expected = prune(expected, shape, unsent)
    assert normalize(actual, shape) == normalize(expected, shape)


# -- botocore as client ---------------------------------------------------------
def botocore_request(protocol: str, op: OperationModel, params: dict[str, Any]) -> HttpRequest:
    """``params`` encoded exactly as a botocore client sends them, as an eventyard request."""
    serializer = create_serializer(protocol, include_validation=True)
    request_dict = serializer.serialize_to_request(params, op)
    prepare_request_dict(request_dict, endpoint_url="http://localhost:4566")
    prepared = AWSRequest(
        method=request_dict["method"],
        url=request_dict["url"],
        data=request_dict["body"],
        headers=request_dict["headers"],
    ).prepare()
    url = urlsplit(prepared.url)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    headers = [(k, v.decode() if isinstance(v, bytes) else v) for k, v in prepared.headers.items()]
    headers.append(("Host", url.netloc))
    return HttpRequest(method=prepared.method, path=url.path or "/", query=url.query, headers=headers, body=body)


def botocore_parse(protocol: str, shape: Shape | None, response: HttpResponse) -> dict[str, Any]:
    """An eventyard response as a botocore client reads it (ResponseMetadata dropped)."""
    headers = HeadersDict()
    for name, value in response.headers:
        headers[name] = value
    body: Any = response.body
    payload = shape.serialization.get("payload") if shape is not None else None
    streaming = payload is not None and shape.members[payload].serialization.get("streaming")
    if streaming:  # as botocore's endpoint hands a streaming body to the parser
        body = StreamingBody(io.BytesIO(response.body), len(response.body))
    parsed = create_parser(protocol).parse({"status_code": response.status, "headers": headers, "body": body}, shape)
    parsed.pop("ResponseMetadata", None)
    if streaming and payload in parsed:
        parsed[payload] = parsed[payload].read()
    return parsed
