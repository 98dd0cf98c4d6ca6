"""The interpreter's per-state random source is seeded when first drawn from; it draws
exactly what ``random.Random(seed)`` draws (MathRandom, UUID and JSONata's $random
replay the same after a restart)."""

from __future__ import annotations

import random

from eventyard.core.states.machine import _SeededOnUse


def _draws(source: random.Random) -> list[object]:
    items = list(range(20))
    source.shuffle(items)
    return [source.random(), source.getrandbits(128), source.uniform(0, 7), source.randint(3, 99),
            source.choice("abcdef"), items, source.randbytes(5), source.gauss(0, 1)]


def test_the_same_draws_as_random_seeded_at_once() -> None:
    for seed in ("3f2a9b8c7d6e5f4a3b2c1d0e9f8a7b6c/1", "x/17", ""):
        assert _draws(_SeededOnUse(seed)) == _draws(random.Random(seed))


def test_a_getrandbits_first_and_a_reseed_match_too() -> None:
    lazy, eager = _SeededOnUse("s/2"), random.Random("s/2")
    assert lazy.getrandbits(128) == eager.getrandbits(128)
    lazy.seed(5)
    eager.seed(5)
    assert lazy.random() == eager.random()
    assert _SeededOnUse("s/3").getstate() == random.Random("s/3").getstate()
