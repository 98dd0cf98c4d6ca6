"""A function's configuration as Lambda reports it (``FunctionConfiguration``), its
defaults, and the checks Lambda makes of what a request sets."""

from __future__ import annotations

import re
from typing import Any

from eventyard.core import ids
from eventyard.core.errors import ServiceError

DEFAULT_TIMEOUT = 3
DEFAULT_MEMORY = 128
MAX_ENVIRONMENT_BYTES = 4096
MAX_LAYERS = 5
_ROLE = re.compile(r"^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$")
_ENV_KEY = re.compile(r"^[a-zA-Z]([a-zA-Z0-9_])+$")
# no longer accepted for creating or updating functions
DEPRECATED_RUNTIMES = frozenset({
    "nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x",
    "nodejs4.3-edge", "java8", "python2.7", "python3.6", "python3.7", "python3.8", "dotnetcore1.0", "dotnetcore2.0",
    "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "go1.x", "ruby2.5", "ruby2.7", "provided"})
# variables Lambda sets itself: a function may not set them
RESERVED_VARIABLES = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"})
# members UpdateFunctionConfiguration may change, copied as given
_PLAIN_MEMBERS = ("Role", "Handler", "Description", "Timeout", "MemorySize", "Runtime", "KMSKeyArn", "TracingConfig",
                  "DeadLetterConfig", "EphemeralStorage", "LoggingConfig", "VpcConfig", "FileSystemConfigs",
                  "SnapStart", "ImageConfig")


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message)


def _range_error(field: str, value: int, low: int, high: int) -> ServiceError:
    bound = f"greater than or equal to {low}" if value < low else f"less than or equal to {high}"
    return ServiceError("ValidationException", f"1 validation error detected: Value '{value}' at '{field}' failed to "
                                               f"satisfy constraint: Member must have value {bound}")


def check(req: dict[str, Any], *, creating: bool) -> None:
    """Lambda's checks of the configuration members in ``req`` (ServiceError on failure)."""
    role = req.get("Role")
    if role is not None and not _ROLE.match(role):
        raise ServiceError("ValidationException", f"1 validation error detected: Value '{role}' at 'role' failed to "
                           "satisfy constraint: Member must satisfy regular expression pattern: "
                           "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+")
    runtime = req.get("Runtime")
    if runtime in DEPRECATED_RUNTIMES:
        raise _invalid(f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS "
                       "Lambda functions. We recommend you use a supported runtime while creating or updating "
                       "functions.")
    if creating and req.get("PackageType", "Zip") == "Zip":
        if runtime is None:
            raise _invalid("Runtime is required when creating a function of package type Zip.")
        if req.get("Handler") is None:
            raise _invalid("Handler is required when creating a function of package type Zip.")
    if req.get("PackageType") == "Image":
        raise _invalid("eventyard runs Zip functions only: PackageType Image is not supported.")
    timeout = req.get("Timeout")
    if timeout is not None and not 1 <= timeout <= 900:
        raise _range_error("timeout", timeout, 1, 900)
    memory = req.get("MemorySize")
    if memory is not None and not 128 <= memory <= 10240:
        raise _range_error("memorySize", memory, 128, 10240)
    storage = (req.get("EphemeralStorage") or {}).get("Size")
    if storage is not None and not 512 <= storage <= 10240:
        raise _range_error("ephemeralStorage.size", storage, 512, 10240)
    variables = (req.get("Environment") or {}).get("Variables")
    if variables:
        check_environment(variables)
    layers = req.get("Layers")
    if layers is not None and len(layers) > MAX_LAYERS:
        raise _invalid(f"Cannot reference more than {MAX_LAYERS} layers.")


def check_environment(variables: dict[str, str]) -> None:
    for key in variables:
        if not _ENV_KEY.match(key):
            raise ServiceError("ValidationException", "1 validation error detected: Value at 'environment.variables' "
                               "failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy "
                               "regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]")
    reserved = sorted(k for k in variables if k in RESERVED_VARIABLES)
    if reserved:
        raise _invalid("Lambda was unable to configure your environment variables because the environment variables "
                       "you have provided contains reserved keys that are currently not supported for modification. "
                       f"Reserved keys used in this request: {','.join(reserved)}")
    text = ",".join(f"{k}:{v}" for k, v in variables.items())
    measured = len(text.encode())
    if measured > MAX_ENVIRONMENT_BYTES:
        raise _invalid("Lambda was unable to configure your environment variables because the environment variables "
                       f"you have provided exceeded the 4KB limit. String measured: {text}")


def new_configuration(req: dict[str, Any], name: str, arn: str, region: str, modified: str) -> dict[str, Any]:
    """$LATEST's configuration at CreateFunction, Pending until the function settles."""
    runtime = req.get("Runtime")
    config: dict[str, Any] = {
        "FunctionName": name, "FunctionArn": arn, "Runtime": runtime, "Role": req["Role"],
        "Handler": req.get("Handler"), "Description": req.get("Description", ""),
        "Timeout": req.get("Timeout", DEFAULT_TIMEOUT), "MemorySize": req.get("MemorySize", DEFAULT_MEMORY),
        "LastModified": modified, "Version": "$LATEST",
        "TracingConfig": req.get("TracingConfig") or {"Mode": "PassThrough"},
        "RevisionId": ids.uuid4(), "State": "Pending", "StateReason": "The function is being created.",
        "StateReasonCode": "Creating", "PackageType": req.get("PackageType", "Zip"),
        "Architectures": req.get("Architectures") or ["x86_64"],
        "EphemeralStorage": req.get("EphemeralStorage") or {"Size": 512},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}",
                          **(req.get("LoggingConfig") or {})},
    }
    if runtime:
        config["RuntimeVersionConfig"] = {"RuntimeVersionArn": f"arn:aws:lambda:{region}::runtime:{ids.uuid4().replace('-', '')}"}
    for member in ("Environment", "DeadLetterConfig", "KMSKeyArn", "VpcConfig", "FileSystemConfigs"):
        if req.get(member) is not None:
            config[member] = req[member]
    return config


def apply_update(config: dict[str, Any], req: dict[str, Any]) -> dict[str, Any]:
    """UpdateFunctionConfiguration's members over ``config`` (a copy)."""
    changed = dict(config)
    for member in _PLAIN_MEMBERS:
        if member in req:
            changed[member] = req[member]
    if "Environment" in req:
        changed["Environment"] = req["Environment"]
    if "LoggingConfig" in req:
        changed["LoggingConfig"] = {**config.get("LoggingConfig", {}), **req["LoggingConfig"]}
    return changed


def public(config: dict[str, Any]) -> dict[str, Any]:
    """What the API shows: without the service's own keys (``_code``, ``_layers``)."""
    return {k: v for k, v in config.items() if not k.startswith("_")}


def fingerprint(config: dict[str, Any]) -> tuple[Any, ...]:
    """What makes $LATEST differ from a published version (PublishVersion publishes again
    only when this changed)."""
    keys = ("CodeSha256", "Runtime", "Role", "Handler", "Description", "Timeout", "MemorySize", "Environment",
            "Layers", "DeadLetterConfig", "TracingConfig", "EphemeralStorage", "LoggingConfig", "_code")
    return tuple(repr(config.get(k)) for k in keys)
