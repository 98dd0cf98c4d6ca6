"""The services eventyard speaks, as botocore describes them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

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
    def enforces_enums(self) -> bool:
        # SQS checks no enums: ReceiveMessage's AttributeNames (a QueueAttributeName list)
        # carries message attribute names such as SentTimestamp, and unknown names get
        # SQS's own InvalidAttributeName from the service.
        return self.name != "sqs"

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
        known = _QUERY_ERROR_TRAITS.get(self.name, {})
        found: dict[str, dict] = {name: dict(trait) for name, trait in known.items()}
        for shape in self.model.error_shapes:
            found[shape.name] = dict(shape.metadata.get("error") or known.get(shape.name, {}))
        return found

    @cached_property
    def error_by_wire_code(self) -> dict[str, str]:
        """Legacy query ``Code`` -> shape name (e.g. SNS ``NotFound`` -> ``NotFoundException``)."""
        return {trait.get("code", name): name for name, trait in self.errors.items()}

    def error_trait(self, code: str) -> dict:
        return self.errors.get(code) or self.errors.get(self.error_by_wire_code.get(code, ""), {}) or {}


# Newer botocore models of SQS dropped the ``error`` traits (legacy query code, HTTP
# status) that boto3 users still see on the wire; these are AWS's awsQueryError traits.
# Error shapes AWS sends but does not model (InvalidParameterValue, MissingParameter)
# are included. Traits found in the model take precedence.
def _sqs_trait(code: str, status: int = 400) -> dict:
    return {"code": code, "httpStatusCode": status, "senderFault": True}


_SQS = "AWS.SimpleQueueService."
_QUERY_ERROR_TRAITS: dict[str, dict[str, dict]] = {
    "sqs": {
        "QueueDoesNotExist": _sqs_trait(_SQS + "NonExistentQueue"),
        "QueueNameExists": _sqs_trait("QueueAlreadyExists"),
        "QueueDeletedRecently": _sqs_trait(_SQS + "QueueDeletedRecently"),
        "PurgeQueueInProgress": _sqs_trait(_SQS + "PurgeQueueInProgress", 403),
        "BatchEntryIdsNotDistinct": _sqs_trait(_SQS + "BatchEntryIdsNotDistinct"),
        "BatchRequestTooLong": _sqs_trait(_SQS + "BatchRequestTooLong"),
        "EmptyBatchRequest": _sqs_trait(_SQS + "EmptyBatchRequest"),
        "InvalidBatchEntryId": _sqs_trait(_SQS + "InvalidBatchEntryId"),
        "TooManyEntriesInBatchRequest": _sqs_trait(_SQS + "TooManyEntriesInBatchRequest"),
        "MessageNotInflight": _sqs_trait(_SQS + "MessageNotInflight"),
        "UnsupportedOperation": _sqs_trait(_SQS + "UnsupportedOperation"),
        "ReceiptHandleIsInvalid": _sqs_trait("ReceiptHandleIsInvalid", 404),
        "ResourceNotFoundException": _sqs_trait("ResourceNotFoundException", 404),
        "InvalidAddress": _sqs_trait("InvalidAddress", 404),
        "InvalidSecurity": _sqs_trait("InvalidSecurity", 403),
        "AccessDeniedException": _sqs_trait("AccessDenied", 403),
        "OverLimit": _sqs_trait("OverLimit", 403),
        "RequestThrottled": _sqs_trait("RequestThrottled", 403),
        "KmsAccessDenied": _sqs_trait("KMS.AccessDeniedException"),
        "KmsDisabled": _sqs_trait("KMS.DisabledException"),
        "KmsInvalidKeyUsage": _sqs_trait("KMS.InvalidKeyUsageException"),
        "KmsInvalidState": _sqs_trait("KMS.InvalidStateException"),
        "KmsNotFound": _sqs_trait("KMS.NotFoundException"),
        "KmsOptInRequired": _sqs_trait("KMS.OptInRequired", 403),
        "KmsThrottled": _sqs_trait("KMS.ThrottlingException"),
        "InvalidParameterValueException": _sqs_trait("InvalidParameterValue"),
        "MissingRequiredParameterException": _sqs_trait("MissingParameter"),
    },
    # unmodelled: a call another account's resource policy does not allow
    "events": {"AccessDeniedException": {"httpStatusCode": 400, "senderFault": True}},
    # unmodelled: a call IAM policies do not allow (--auth iam)
    "iam": {"AccessDenied": {"code": "AccessDenied", "httpStatusCode": 403, "senderFault": True}},
    "secretsmanager": {"AccessDeniedException": {"httpStatusCode": 400, "senderFault": True}},
    # unmodelled: the code AWS sends for an oversized payload (the model names RequestTooLargeException)
    "lambda": {"RequestEntityTooLargeException": {"httpStatusCode": 413, "senderFault": True},
               "AccessDeniedException": {"httpStatusCode": 403, "senderFault": True}},
    # unmodelled errors STS answers (AWS, recorded)
    "sts": {"AccessDenied": {"code": "AccessDenied", "httpStatusCode": 403, "senderFault": True},
            "ValidationError": {"code": "ValidationError", "httpStatusCode": 400, "senderFault": True}},
}


# validation: coral = ValidationException with Coral's wording (json/rest-json services);
# coral-query = the same wording under the query protocol's code ValidationError (STS, IAM)
_SERVICES = {
    "events": "coral",
    "sqs": "sqs",
    "sns": "sns",
    "stepfunctions": "coral",
    "scheduler": "coral",
    "pipes": "coral",
    "lambda": "coral",
    "sts": "coral-query",
    "secretsmanager": "coral",
    "iam": "coral-query",  # Coral's wording under the query code ValidationError
    "logs": "coral-logs",  # Coral's wording under InvalidParameterException
}


@lru_cache(maxsize=1)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


# Where AWS's recorded answers differ from botocore's model, AWS wins: shape -> replaced keys.
_MODEL_CORRECTIONS: dict[str, dict[str, dict[str, Any]]] = {
    "events": {
        # AWS lists the methods in this order in its enum violation message
        "ApiDestinationHttpMethod": {"enum": ["HEAD", "POST", "PATCH", "DELETE", "PUT", "GET", "OPTIONS"]},
        # AWS accepts lower-case methods here ("put"); the connections service checks them
        "ConnectionOAuthHttpMethod": {"enum": []},
    },
}


@lru_cache(maxsize=None)
def service(name: str) -> ServiceSpec:
    corrections = _MODEL_CORRECTIONS.get(name)
    if not corrections:
        return ServiceSpec(name=name, model=_session().get_service_model(name), validation=_SERVICES[name])
    data = dict(_session().get_service_data(name))
    shapes = data["shapes"] = dict(data["shapes"])  # copies: botocore's cached model stays as it is
    for shape, replaced in corrections.items():
        shapes[shape] = {k: v for k, v in {**shapes[shape], **replaced}.items() if v != []}
    return ServiceSpec(name=name, model=ServiceModel(data, service_name=name), validation=_SERVICES[name])


def all_services() -> list[ServiceSpec]:
    return [service(name) for name in _SERVICES]


_SERVICE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


@lru_cache(maxsize=256)
def protocol_of(signing_name: str) -> str | None:
    """The wire protocol of any AWS service botocore knows, served here or not (``None``
    if unknown), so that a client of a service eventyard lacks can read its error."""
    if signing_name in by_signing_name():
        return by_signing_name()[signing_name].protocol
    if not _SERVICE_NAME.fullmatch(signing_name) or signing_name not in _available():
        return None
    return str(_session().get_service_model(signing_name).protocol)


@lru_cache(maxsize=1)
def _available() -> frozenset[str]:
    return frozenset(_session().get_available_services())


@lru_cache(maxsize=1)
def by_target_prefix() -> dict[str, ServiceSpec]:
    return {s.target_prefix: s for s in all_services() if s.target_prefix}


@lru_cache(maxsize=1)
def by_signing_name() -> dict[str, ServiceSpec]:
    return {s.signing_name: s for s in all_services()}


@lru_cache(maxsize=1)
def by_query_version() -> dict[str, ServiceSpec]:
    # SQS's legacy query protocol shares the JSON model's shapes and version; an unsigned
    # query request (STS's AssumeRoleWithWebIdentity) is known by its Version alone.
    return {s.api_version: s for s in all_services() if s.name in ("sns", "sqs") or s.protocol == "query"}
