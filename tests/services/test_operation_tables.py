"""Each service's declared operation table is the only way in from the wire: every
operation it serves is declared, and no other method is reachable by its name."""

from __future__ import annotations

import inspect
from typing import Iterator

import pytest
from botocore import xform_name

from eventyard.api import catalog
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.services import ServiceRegistry
from eventyard.services.events import service as events_service
from eventyard.services.iam import service as iam_service
from eventyard.services.secretsmanager import service as secretsmanager_service
from eventyard.services.sns import service as sns_service
from eventyard.services.sqs import service as sqs_service
from eventyard.services.stepfunctions import service as stepfunctions_service
from eventyard.services.sts import service as sts_service
from eventyard.store import open_store

TABLES = {"events": events_service.OPERATIONS, "sqs": sqs_service.OPERATIONS, "sns": sns_service.OPERATIONS,
          "sts": sts_service.OPERATIONS, "iam": iam_service.OPERATIONS,
          "secretsmanager": secretsmanager_service.OPERATIONS, "stepfunctions": stepfunctions_service.OPERATIONS}
CLASSES = {"events": events_service.EventsService, "sqs": sqs_service.SqsService, "sns": sns_service.SnsService,
           "sts": sts_service.StsService, "iam": iam_service.IamService,
           "secretsmanager": secretsmanager_service.SecretsManagerService,
           "stepfunctions": stepfunctions_service.StepFunctionsService}


def _owners(service: str) -> set[type]:
    """The classes whose methods the table names: the service itself, or for a service
    built of collaborators, each collaborator's class (and the classes they inherit)."""
    owners: set[type] = set()
    for method in TABLES[service].values():
        module = inspect.getmodule(method)
        owner = getattr(module, method.__qualname__.split(".")[0])
        owners.update(cls for cls in owner.__mro__ if cls is not object)
    return owners


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceRegistry]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('tables')}/yard.db")
    try:
        yield ServiceRegistry(store, DeliveryRuntime(store))
    finally:
        store.close()


def _pascal(method: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in method.split("_"))


@pytest.mark.parametrize("service", sorted(TABLES))
def test_every_declared_operation_is_an_aws_operation_served_by_a_coroutine(service):
    model = catalog.service(service).operations
    for operation, method in TABLES[service].items():
        assert operation in model, f"{service} {operation} is not an operation of botocore's model"
        assert inspect.iscoroutinefunction(method), f"{service} {operation}"
        assert list(inspect.signature(method).parameters)[:1] == ["self"]
        assert len(inspect.signature(method).parameters) == 3, f"{service} {operation}: (self, context, params)"


@pytest.mark.parametrize("service", sorted(TABLES))
def test_every_method_named_for_an_operation_is_declared(service):
    """A method written for an operation but left out of the table would never be served."""
    owners = _owners(service) | {CLASSES[service]}
    found = 0
    for cls in owners:
        for operation in catalog.service(service).operations:
            method = cls.__dict__.get(xform_name(operation))
            if method is not None:
                found += 1
                assert TABLES[service].get(operation) is method, f"{service} {operation} is not in OPERATIONS"
    assert found >= len(TABLES[service]) // 2, f"{service}: the check found too few methods to mean anything"


@pytest.mark.parametrize("service", sorted(TABLES))
def test_the_resolver_serves_exactly_the_table(registry, service):
    model = catalog.service(service).operations
    served = {op for op in model if registry.resolve(service, op) is not None}
    assert served == set(TABLES[service])


@pytest.mark.parametrize("service", sorted(TABLES))
def test_no_undeclared_method_is_reachable(registry, service):
    declared = {method.__name__ for method in TABLES[service].values()}
    internal = sorted({name for cls in _owners(service) | {CLASSES[service]}
                       for name, _ in inspect.getmembers(cls, callable)
                       if not name.startswith("_") and name not in declared})
    if service != "stepfunctions":  # its helpers are all private; the others' must stay unreachable
        assert internal, "the service has public helpers (fire_due, start, ...): they must stay unreachable"
    for name in internal:
        for asked in (name, _pascal(name)):
            assert registry.resolve(service, asked) is None, f"{service} {asked} reaches an internal method"


def test_internal_methods_known_today_are_unreachable(registry):
    assert registry.resolve("events", "FireDue") is None
    assert registry.resolve("events", "SweepArchives") is None
    assert registry.resolve("sns", "SigningCertificate") is None
    assert registry.resolve("sns", "ForgetExpiredDedup") is None
    assert registry.resolve("sqs", "PutEvents") is None  # another service's operation
    assert registry.resolve("lambda", "ListCodeSigningConfigs") is None  # not served yet
