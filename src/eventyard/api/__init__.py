"""AWS wire protocols, driven by botocore's service models.

``api`` turns HTTP requests into ``(service, operation, params)`` and results or
errors back into HTTP, for AWS JSON 1.0/1.1, query (+XML) and rest-json. It holds no
business rules: those live in ``eventyard.services``.
"""
