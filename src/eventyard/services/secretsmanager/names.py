"""Secret names and ARNs: ``arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX``,
six random alphanumerics after the name. A secret is named by its name, its full ARN,
or a partial ARN (the ARN without the suffix)."""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass

from eventyard.core import arns
from eventyard.core.errors import ServiceError

_NAME = re.compile(r"^[A-Za-z0-9/_+=.@!-]+$")
_SUFFIX_ALPHABET = string.ascii_letters + string.digits
SUFFIX_LENGTH = 6


def check_name(name: str) -> None:
    if not _NAME.match(name):
        raise ServiceError("ValidationException", "Invalid name. Must be a valid name containing alphanumeric "
                                                  "characters, or any of the following: -/_+=.@!")


def secret_arn(region: str, account: str, name: str) -> str:
    suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))
    return arns.build("secretsmanager", region, account, f"secret:{name}-{suffix}")


def name_of_arn(arn: str) -> str:
    """The name inside a full secret ARN (made by ``secret_arn``)."""
    return arn.split(":secret:", 1)[1][:-(SUFFIX_LENGTH + 1)]


@dataclass(frozen=True)
class SecretRef:
    """Where a SecretId points: an account, a region, and a full ARN or a name."""

    account: str
    region: str
    arn: str | None  # as given when it may be a full ARN
    name: str  # the name, or the partial ARN's name


def parse_secret_id(secret_id: str, account: str, region: str) -> SecretRef | None:
    """``None`` when ``secret_id`` is an ARN that names no secret."""
    if not secret_id.startswith("arn:"):
        return SecretRef(account, region, None, secret_id)
    arn = arns.parse(secret_id)
    if arn is None or arn.service != "secretsmanager" or not arn.resource.startswith("secret:"):
        return None
    return SecretRef(arn.account, arn.region, secret_id, arn.resource[len("secret:"):])
