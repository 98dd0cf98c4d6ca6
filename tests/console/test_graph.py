"""The state machine graph's layout (pure): rows by distance from StartAt, every
transition drawn, loops drawn back up, and how far an execution got."""

from __future__ import annotations

from eventyard.console.graph import END, START, layout, statuses, transitions

DEFINITION = {"StartAt": "Check", "States": {
    "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Work"}],
              "Default": "Done"},
    "Work": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Next": "Check",
             "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Broken"}]},
    "Broken": {"Type": "Fail"},
    "Done": {"Type": "Succeed"},
    "Orphan": {"Type": "Pass", "End": True}}}


def test_transitions_of_every_kind() -> None:
    assert transitions(DEFINITION["States"]["Check"]) == [("Work", "choice"), ("Done", "default")]
    assert transitions(DEFINITION["States"]["Work"]) == [("Check", ""), ("Broken", "catch")]
    assert transitions(DEFINITION["States"]["Broken"]) == [(END, "")]


def test_rows_follow_the_distance_from_start_and_unreachable_states_come_last() -> None:
    drawn = layout(DEFINITION)
    y = {node.name: node.y for node in drawn.nodes}
    assert y[START] < y["Check"] < y["Work"] == y["Done"] < y["Broken"] < y["Orphan"] < y[END]
    # start->Check, 2 from Check, 2 from Work (one a loop back up), 3 ends
    assert len(drawn.edges) == 1 + 2 + 2 + 3
    loop = [e for e in drawn.edges if e.label == ""][1:]
    assert any(" C" in e.path for e in loop)
    assert all(0 <= n.x and n.x + drawn.node_w <= drawn.width for n in drawn.nodes)


def test_statuses_from_history() -> None:
    events = [{"type": "ChoiceStateEntered", "stateEnteredEventDetails": {"name": "Check"}},
              {"type": "ChoiceStateExited", "stateExitedEventDetails": {"name": "Check"}},
              {"type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "Work"}}]
    assert statuses(events, "RUNNING") == {"Check": "succeeded", "Work": "running"}
    assert statuses(events, "FAILED") == {"Check": "succeeded", "Work": "failed"}
    assert statuses(events, "ABORTED")["Work"] == "stopped"
    assert {n.name: n.status for n in layout(DEFINITION, statuses(events, "RUNNING")).nodes}["Work"] == "running"
