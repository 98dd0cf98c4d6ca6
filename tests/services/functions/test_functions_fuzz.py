"""Every Lambda operation eventyard serves, called in-process with random input that
botocore's model accepts: the answer is a result or Lambda's error (``ServiceError`` /
``WireError``), never another exception (a 500 on the wire)."""

from __future__ import annotations

import asyncio
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import _shapes_strategies as shapes  # tests/api's request generator (tests/ is on the path)

from eventyard.api.errors import WireError  # noqa: E402
from eventyard.api.invoke import Invoker  # noqa: E402
from eventyard.core.errors import ServiceError  # noqa: E402
from eventyard.core.identity import RequestContext  # noqa: E402
from eventyard.runtime.delivery import DeliveryRuntime  # noqa: E402
from eventyard.services import ServiceRegistry  # noqa: E402
from eventyard.services.functions.service import OPERATIONS  # noqa: E402
from eventyard.store import Store, open_store  # noqa: E402

# Invoke of a random function name only ever finds nothing; these run a real worker
SERVED = sorted(op for op in OPERATIONS if op not in ("Invoke", "InvokeAsync"))


@pytest.fixture(scope="module")
def invoker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Invoker]:
    store: Store = open_store(f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/yard.db")
    registry = ServiceRegistry(store, DeliveryRuntime(store))
    yield Invoker(registry.resolve)
    store.close()


@pytest.mark.parametrize("operation", SERVED)
def test_random_valid_input_gets_a_result_or_lambdas_error(invoker: Invoker, operation: str) -> None:
    op = shapes.operation("lambda", operation)

    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def one(data: st.DataObject) -> None:
        params: dict[str, Any] = data.draw(shapes.values(op.input_shape), label="input")
        ctx = RequestContext(account="777777777777", operation=operation)
        try:
            asyncio.run(invoker.invoke("lambda", operation, params, ctx))
        except (ServiceError, WireError):
            pass

    one()
