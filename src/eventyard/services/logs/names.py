"""CloudWatch Logs' names, ARNs and errors in AWS's words."""

from __future__ import annotations

from dataclasses import dataclass

from eventyard.core.errors import ServiceError

GROUP_NOT_FOUND = "The specified log group does not exist."
STREAM_NOT_FOUND = "The specified log stream does not exist."
INVALID_TOKEN = "The specified nextToken is invalid."
EVENT_OVERHEAD_BYTES = 26  # what AWS counts for each event besides its message


def group_not_found() -> ServiceError:
    return ServiceError("ResourceNotFoundException", GROUP_NOT_FOUND)


def stream_not_found() -> ServiceError:
    return ServiceError("ResourceNotFoundException", STREAM_NOT_FOUND)


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", message)


def group_arn(region: str, account: str, name: str) -> str:
    """The group's ARN as TagResource and ``logGroupArn`` name it."""
    return f"arn:aws:logs:{region}:{account}:log-group:{name}"


def stream_arn(region: str, account: str, group: str, stream: str) -> str:
    return f"{group_arn(region, account, group)}:log-stream:{stream}"


@dataclass(frozen=True)
class GroupRef:
    account: str
    region: str
    name: str


def parse_group_arn(arn: str) -> GroupRef | None:
    """``arn:aws:logs:REGION:ACCOUNT:log-group:NAME`` (``:*`` at the end allowed)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "logs" or not parts[5].startswith("log-group:"):
        return None
    name = parts[5][len("log-group:"):]
    if name.endswith(":*"):
        name = name[:-2]
    if not name or ":" in name:
        return None
    return GroupRef(parts[4], parts[3], name)


def group_of(identifier: str, account: str, region: str) -> GroupRef:
    """A ``logGroupIdentifier``: a name in the caller's account, or an ARN."""
    if identifier.startswith("arn:"):
        ref = parse_group_arn(identifier)
        if ref is None:
            raise invalid(f"Invalid log group identifier: {identifier}")
        return ref
    return GroupRef(account, region, identifier)
