"""Amazon SNS: topics, subscriptions, filter policies, Publish and delivery."""

from eventyard.services.sns.service import SnsService

__all__ = ["SnsService"]
