"""AWS IAM over its query protocol; see ``service.py``."""

from eventyard.services.iam.service import IamService

__all__ = ["IamService"]
