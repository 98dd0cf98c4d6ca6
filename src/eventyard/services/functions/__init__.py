"""AWS Lambda: functions, versions, aliases, permissions, layers, URLs, and Invoke."""

from eventyard.services.functions.invocation import AsyncPolicy, FunctionDeliverer, Invocations
from eventyard.services.functions.service import OPERATIONS, FunctionsService

__all__ = ["AsyncPolicy", "FunctionDeliverer", "FunctionsService", "Invocations", "OPERATIONS"]
