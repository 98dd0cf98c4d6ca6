"""How many messages a standard queue may have in flight before ReceiveMessage fails.

AWS: about 120,000. FIFO queues have the same quota but AWS returns no error there, so
it is not enforced on them. EVENTYARD_SQS_MAX_IN_FLIGHT changes it (tests use a small one).
"""

from __future__ import annotations

import os

MAX_IN_FLIGHT = 120_000
MAX_IN_FLIGHT_ENV = "EVENTYARD_SQS_MAX_IN_FLIGHT"


def max_in_flight() -> int:
    try:
        value = int(os.environ.get(MAX_IN_FLIGHT_ENV) or MAX_IN_FLIGHT)
    except ValueError:
        return MAX_IN_FLIGHT
    return value if value > 0 else MAX_IN_FLIGHT
