"""AWS STS: caller identity and temporary credentials."""

from eventyard.services.sts.service import StsService

__all__ = ["StsService"]
