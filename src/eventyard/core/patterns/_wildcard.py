"""Wildcard syntax and complexity, after event-ruler's WildcardParser and MachineComplexityEvaluator.

Syntax: ``*`` is a wildcard (never two in a row), ``\\*`` and ``\\\\`` are literals, any other
backslash is an error. Positions in messages are UTF-8 byte offsets in the value as
event-ruler stores it, with a leading quote (hence the ``+ 1``).

Complexity: event-ruler counts, for the worst possible input, how many prefixes of the
wildcard patterns on one field match it at once (``"*aa"`` on input ``"aa"``: ``*``, ``*a``,
``*aa`` = 3), on the quoted value as its byte machine holds it. EventBridge refuses a rule
above an unpublished limit. Recorded data points bound it: ``/Users/*/dir/dir/dir/dir/dir/doc.txt``
(7 here) and four ``*.ext`` alternatives on one field (8) are accepted, four
``*/datasync/*.ext`` alternatives (16) and ``*:*:*:*:*:event-bus/*`` (11) are refused. We
refuse above ``MAX_COMPLEXITY`` = 10, the limit another emulator settled on too.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_COMPLEXITY = 10
TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
    "sequences after a wildcard character"
)
_STAR = None  # token for '*' in a parsed pattern; characters are str
_MAX_STATE_SETS = 20000  # keeps the evaluation bounded; hitting it counts as too complex


def syntax_error(value: str) -> str | None:
    """event-ruler's complaint about a wildcard value, or None when it is well formed."""
    data = ('"' + value + '"').encode("utf-8")
    i, n = 0, len(data)
    while i < n:
        byte = data[i]
        if byte == 0x2A:  # '*'
            if i + 1 < n and data[i + 1] == 0x2A:
                return f"Consecutive wildcard characters at pos {i}"
        elif byte == 0x5C:  # '\\'
            if i + 1 < n and data[i + 1] in (0x2A, 0x5C):
                i += 2
                continue
            return f"Invalid escape character at pos {i}"
        i += 1
    return None


def tokens(value: str) -> tuple[str | None, ...]:
    """The value with escapes resolved: characters, and ``None`` for each wildcard."""
    out: list[str | None] = ['"']  # event-ruler matches the quoted form
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            out.append(value[i + 1])
            i += 2
            continue
        out.append(_STAR if ch == "*" else ch)
        i += 1
    out.append('"')
    return tuple(out)


def complexity(values: Iterable[str], cap: int = MAX_COMPLEXITY + 1) -> int:
    """Most pattern prefixes that one input can match at once, over distinct ``values``.

    A subset construction over all prefix states, as bit sets: state ``base(p) + k`` means
    the input matches the first ``k`` tokens of pattern ``p``. Stops once ``cap`` is reached.
    """
    patterns = [tokens(v) for v in dict.fromkeys(values)]
    if not any(_STAR in p for p in patterns):
        return 1 if patterns else 0
    literal: dict[str, int] = {}  # symbol -> states whose next token is that symbol
    before_star = inside_star = starts = 0
    base = 0
    for toks in patterns:
        starts |= 1 << base
        for k, tok in enumerate(toks):
            bit = 1 << (base + k)
            if tok is _STAR:
                before_star |= bit
                inside_star |= bit << 1  # after a wildcard, any character keeps us there
            else:
                literal[tok] = literal.get(tok, 0) | bit
        base += len(toks) + 1
    counted = ~starts

    def close(states: int) -> int:
        return states | ((states & before_star) << 1)  # a wildcard may match nothing ("**" is invalid)

    masks = [*literal.values(), 0]  # 0: a character no pattern names
    start = close(starts)
    seen = {start}
    todo = [start]
    best = 0
    while todo:
        current = todo.pop()
        stay = current & inside_star
        for mask in masks:
            state = close(((current & mask) << 1) | stay)
            if not state:
                continue
            best = max(best, (state & counted).bit_count())
            if best >= cap:
                return best
            if state not in seen:
                if len(seen) >= _MAX_STATE_SETS:
                    return cap
                seen.add(state)
                todo.append(state)
    return best
