"""A function's resource policy decides, under ``--auth iam``, which topic or rule the
SNS and EventBridge service principals may invoke it for (``AWS:SourceArn``), in
process on both backends."""

from __future__ import annotations

import asyncio
from pathlib import Path

from eventyard.core.identity import RequestContext
from eventyard.runtime.delivery import DeliveryRuntime, Failure
from eventyard.runtime.jobs import JobRuntime
from eventyard.services.functions import FunctionDeliverer, FunctionsService, Invocations
from eventyard.store import Store
from eventyard.store.deliveries import DeliveryRecord
from services.functions._functions import ECHO, ROLE
from services.functions.test_functions_in_process import FakeRunner

ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:allowed"
RULE = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/allowed"


def _row(origin: str, context: dict[str, str]) -> DeliveryRecord:
    return DeliveryRecord(1, origin, ACCOUNT, "us-east-1", "lambda",
                          {"arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:guarded"},
                          {"body": '{"Message": "hi"}', "context": context}, 1, 0, 0, None)


def test_service_principals_invoke_only_for_the_source_a_statement_names(store: Store, tmp_path: Path) -> None:
    runner = FakeRunner()
    invocations = Invocations(store, DeliveryRuntime(store), runner, tmp_path)
    invocations.enforce_resource_policy = True
    service = FunctionsService(store, JobRuntime(store), runner, invocations)
    deliverer = FunctionDeliverer(invocations)
    ctx = RequestContext(account=ACCOUNT, operation="AddPermission")

    async def scenario() -> list[Failure | None]:
        await service.create_function(ctx, {"FunctionName": "guarded", "Runtime": "python3.12", "Role": ROLE,
                                            "Handler": "app.handler", "Code": {"ZipFile": ECHO}})
        for sid, principal, source in (("sns", "sns.amazonaws.com", TOPIC), ("rule", "events.amazonaws.com", RULE)):
            await service.add_permission(ctx, {"FunctionName": "guarded", "StatementId": sid, "Principal": principal,
                                               "Action": "lambda:InvokeFunction", "SourceArn": source})
        rows = [_row("sns", {"subscription_arn": TOPIC + ":0b6e"}),
                _row("sns", {"subscription_arn": TOPIC.replace("allowed", "other") + ":0b6e"}),
                _row("events", {"rule_arn": RULE}),
                _row("events", {"rule_arn": RULE.replace("allowed", "other")}),
                _row("events", {"rule_arn": TOPIC})]  # the topic's ARN, but from EventBridge
        return [await deliverer.deliver(row) for row in rows]

    outcomes = asyncio.run(scenario())
    assert [None if o is None else (o.code, o.retryable) for o in outcomes] == [
        None, ("NO_PERMISSIONS", False), None, ("NO_PERMISSIONS", False), ("NO_PERMISSIONS", False)]
