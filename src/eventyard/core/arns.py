"""Amazon Resource Names: build and split."""

from __future__ import annotations

from dataclasses import dataclass

PARTITION = "aws"


@dataclass(frozen=True)
class Arn:
    service: str
    region: str
    account: str
    resource: str
    partition: str = PARTITION

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    @property
    def resource_type(self) -> str:
        head, sep, _ = self.resource.partition("/")
        if sep:
            return head
        head, sep, _ = self.resource.partition(":")
        return head if sep else ""

    @property
    def resource_id(self) -> str:
        for sep in ("/", ":"):
            if sep in self.resource:
                return self.resource.split(sep, 1)[1]
        return self.resource


def build(service: str, region: str, account: str, resource: str) -> str:
    return str(Arn(service, region, account, resource))


def parse(text: str) -> Arn | None:
    """Split an ARN; ``None`` when ``text`` is not one."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2]:
        return None
    return Arn(service=parts[2], region=parts[3], account=parts[4], resource=parts[5], partition=parts[1])
