"""AWS Secrets Manager: secrets with versions and staging labels, values sealed at rest."""

from eventyard.services.secretsmanager.service import SecretsManagerService

__all__ = ["SecretsManagerService"]
