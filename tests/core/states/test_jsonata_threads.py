"""A JSONata expression compiled on one thread evaluates on another: the service parses
definitions on the event loop and advances executions on worker threads (the library's
compiled expressions panic when used off the thread that made them)."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from eventyard.core.states.jsonata import compile_expression


def test_an_expression_compiled_here_evaluates_on_another_thread() -> None:
    expression = compile_expression("$states.input.n * 2 + $count($partition([1,2,3], 2))")
    assert expression.evaluate({"input": {"n": 5}}, {}) == 12
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda n: expression.evaluate({"input": {"n": n}}, {}), range(20)))
    assert answers == [2 * n + 2 for n in range(20)]


def test_random_follows_the_given_source_on_every_thread() -> None:
    expression = compile_expression("$random()")
    here = expression.evaluate({}, {}, random.Random(7))
    with ThreadPoolExecutor(1) as pool:
        there = pool.submit(expression.evaluate, {}, {}, random.Random(7)).result()
    assert here == there == random.Random(7).random()
