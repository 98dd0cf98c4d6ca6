"""AWS Step Functions."""

from eventyard.services.stepfunctions.service import StepFunctionsService

__all__ = ["StepFunctionsService"]
