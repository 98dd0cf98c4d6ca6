"""The services eventyard speaks, as botocore describes them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import botocore.session
from botocore.model import OperationModel, ServiceModel


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # botocore's service name: events, sqs, sns, stepfunctions, ...
    model: ServiceModel
    validation: str  # how shape-constraint failures are reported: coral | sqs | sns

    @property
    def protocol(self) -> str:
        return self.model.protocol

    @property
    def signing_name(self) -> str:
        return self.model.signing_name or self.name

    @property
    def target_prefix(self) -> str | None:
        return self.model.metadata.get("targetPrefix")

    @property
    def api_version(self) -> str:
        return self.model.api_version

    @property
    def query_compatible(self) -> bool:
        return "awsQueryCompatible" in self.model.metadata

    @cached_property
    def operations(self) -> dict[str, OperationModel]:
        return {name: self.model.operation_model(name) for name in self.model.operation_names}

    @cached_property
    def errors(self) -> dict[str, dict]:
        """Error shape name -> its ``error`` trait (code, httpStatusCode, senderFault)."""
        found: dict[str, dict] = {}
        for shape in self.model.error_shapes:
            found[shape.name] = dict(shape.metadata.get("error", {}))
        return found

    @cached_property
    def error_by_wire_code(self) -> dict[str, str]:
        """Legacy query ``Code`` -> shape name (e.g. SNS ``NotFound`` -> ``NotFoundException``)."""
        return {trait.get("code", name): name for name, trait in self.errors.items()}

    def error_trait(self, code: str) -> dict:
        return self.errors.get(code) or self.errors.get(self.error_by_wire_code.get(code, ""), {}) or {}


# validation: coral = ValidationException with Coral's wording (json/rest-json services)
_SERVICES = {
    "events": "coral",
    "sqs": "sqs",
    "sns": "sns",
    "stepfunctions": "coral",
    "scheduler": "coral",
    "pipes": "coral",
}


@lru_cache(maxsize=1)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@lru_cache(maxsize=None)
def service(name: str) -> ServiceSpec:
    return ServiceSpec(name=name, model=_session().get_service_model(name), validation=_SERVICES[name])


def all_services() -> list[ServiceSpec]:
    return [service(name) for name in _SERVICES]


@lru_cache(maxsize=1)
def by_target_prefix() -> dict[str, ServiceSpec]:
    return {s.target_prefix: s for s in all_services() if s.target_prefix}


@lru_cache(maxsize=1)
def by_signing_name() -> dict[str, ServiceSpec]:
    return {s.signing_name: s for s in all_services()}


@lru_cache(maxsize=1)
def by_query_version() -> dict[str, ServiceSpec]:
    # SQS's legacy query protocol shares the JSON model's shapes and version.
    return {s.api_version: s for s in all_services() if s.name in ("sns", "sqs")}
