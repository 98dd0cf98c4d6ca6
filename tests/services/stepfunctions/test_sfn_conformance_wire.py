"""A representative subset of the AWS-recorded conformance cases end to end: boto3 creates
the machine and starts the execution on a real server (both backends), and the status,
output or error and cause, history event types and assigned variables come back over
the wire. Each must equal what the pure interpreter answers for the case (the table's
own test compares that with AWS's recording, known differences included), and for a
case not listed as a known difference, what AWS recorded."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from _clients import client
from _sfn_conformance import KNOWN_DIFFERENCES, Case, assigned_variables, canonical, load_cases, run_pure
from test_sfn_executions import ended, history, machine, new_account


def wire_subset() -> list[Case]:
    """Of the cases that need no task answers: each file's first three, every seventh,
    and every one that ends in an error (the causes are where the wire most often drifts)."""
    chosen: list[Case] = []
    seen: dict[str, int] = {}
    for number, case in enumerate(load_cases()):
        if not case.wire:
            continue
        group = case.id.split(".", 1)[0]
        if seen.get(group, 0) < 3 or number % 7 == 0 or case.status != "SUCCEEDED":
            chosen.append(case)
            seen[group] = seen.get(group, 0) + 1
    return chosen


def run_wire(sfn: Any, case: Case) -> dict[str, Any]:
    try:
        arn = machine(sfn, case.definition)
    except ClientError as refused:
        assert refused.response["Error"]["Code"] == "InvalidDefinition", refused.response
        return {"status": "INVALID_DEFINITION", "message": refused.response["Error"]["Message"]}
    text = case.input if isinstance(case.input, str) else json.dumps(case.input)
    started = sfn.start_execution(stateMachineArn=arn, input=text)
    described = ended(sfn, started["executionArn"])
    answer: dict[str, Any] = {"status": described["status"]}
    if described["status"] == "SUCCEEDED":
        answer["output"] = canonical(json.loads(described["output"]))
    else:
        answer["error"], answer["cause"] = described.get("error"), described.get("cause")
    events = history(sfn, started["executionArn"])
    if case.events is not None:
        answer["events"] = [event["type"] for event in events]
    if case.assigned is not None:
        answer["assigned"] = assigned_variables(events)
    return answer


def test_the_wire_answers_as_the_interpreter_and_as_aws_recorded(server: Any) -> None:
    sfn = client("stepfunctions", server.url, account=new_account())
    subset = wire_subset()
    assert len(subset) >= 30
    wrong = {}
    for case in subset:
        over_the_wire = run_wire(sfn, case)
        if over_the_wire != run_pure(case) or (case.id not in KNOWN_DIFFERENCES
                                                and over_the_wire != case.expected()):
            wrong[case.id] = over_the_wire
    assert wrong == {}
