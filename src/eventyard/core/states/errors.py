"""The two ways a state machine goes wrong: its definition is refused, or a run fails.

    DefinitionInvalid        CreateStateMachine's ``InvalidDefinition`` (one or more
                             ``Diagnostic`` s, as ValidateStateMachineDefinition lists them)
    StatesError              a run-time failure with AWS's error name and cause; what
                             Retry and Catch match on

The predefined error names are constants here; ``States.ALL`` matches every error but
``States.Runtime`` and ``States.DataLimitExceeded`` (AWS's error-handling page), and a
``States.TaskFailed`` matcher matches every error but ``States.Timeout`` (and those two).
"""

from __future__ import annotations

from dataclasses import dataclass

ALL = "States.ALL"
TIMEOUT = "States.Timeout"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
TASK_FAILED = "States.TaskFailed"
PERMISSIONS = "States.Permissions"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
RUNTIME = "States.Runtime"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
BRANCH_FAILED = "States.BranchFailed"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
ITEM_READER_FAILED = "States.ItemReaderFailed"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"

PREDEFINED = frozenset({
    ALL, TIMEOUT, HEARTBEAT_TIMEOUT, TASK_FAILED, PERMISSIONS, DATA_LIMIT_EXCEEDED, RUNTIME,
    RESULT_PATH_MATCH_FAILURE, PARAMETER_PATH_FAILURE, BRANCH_FAILED, NO_CHOICE_MATCHED,
    INTRINSIC_FAILURE, EXCEED_TOLERATED_FAILURE_THRESHOLD, ITEM_READER_FAILED,
    RESULT_WRITER_FAILED, QUERY_EVALUATION_ERROR,
})
# Errors no catcher or retrier can match, States.ALL included.
UNCATCHABLE = frozenset({RUNTIME, DATA_LIMIT_EXCEEDED})


def matches(matcher: str, error: str, *, reported_by_task: bool = False, heartbeat: bool = False) -> bool:
    """Whether one ``ErrorEquals`` entry matches ``error``.

    A failure the interpreter raises as States.Runtime or States.DataLimitExceeded ends
    the execution whatever catches it. A task's failure is matched as reported, even with
    those names: AWS records a task result over 256 KiB as a TaskFailed with
    States.DataLimitExceeded that ``States.ALL`` catches (LocalStack's test_states_errors
    snapshots, recorded on AWS, 21-03-2024). ``heartbeat``: a States.Timeout because no
    heartbeat came, which a States.HeartbeatTimeout matcher matches too."""
    if error in UNCATCHABLE and not reported_by_task:
        return False
    if matcher == ALL:
        return True
    if matcher == TASK_FAILED:
        return error != TIMEOUT  # a wildcard for every failure but the state's own timeout
    if matcher == HEARTBEAT_TIMEOUT:
        return heartbeat
    return matcher == error


class StatesError(Exception):
    """A run-time failure: AWS's error name (``States.Runtime``, ``Lambda.Unknown``, a
    user's ``CustomError``) and its cause text."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StatesError) and (self.error, self.cause) == (other.error, other.cause)

    def __hash__(self) -> int:
        return hash((self.error, self.cause))

    def __repr__(self) -> str:
        return f"StatesError({self.error!r}, {self.cause!r})"


@dataclass(frozen=True)
class Diagnostic:
    """One finding of ValidateStateMachineDefinition: ``code`` (SCHEMA_VALIDATION_FAILED,
    MISSING_TRANSITION_TARGET, ...), ``message``, ``location`` (a JSON pointer such as
    ``/States/X/Next``, or None), severity ERROR or WARNING."""

    code: str
    message: str
    location: str | None = None
    severity: str = "ERROR"

    def text(self) -> str:
        """The diagnostic as CreateStateMachine words it inside its error message."""
        if self.location is None:
            return f"{self.code}: {self.message}"
        return f"{self.code}: {self.message} at {self.location}"

    def as_api(self) -> dict[str, str]:
        """The ``diagnostics`` entry of ValidateStateMachineDefinition's answer."""
        answer = {"code": self.code, "message": self.message, "severity": self.severity}
        if self.location is not None:
            answer["location"] = self.location
        return answer


class DefinitionInvalid(Exception):
    """The definition is refused; ``message`` is CreateStateMachine's ``InvalidDefinition``
    text, ``diagnostics`` what ValidateStateMachineDefinition lists."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = [d for d in diagnostics if d.severity == "ERROR"] or diagnostics
        super().__init__(self.message)

    @property
    def message(self) -> str:
        texts = [d.text() for d in self.diagnostics]
        if len(texts) == 1:
            return f"Invalid State Machine Definition: '{texts[0]}'"
        # Several findings are listed as AWS's own validator prints a list of them.
        return "Invalid State Machine Definition: '" + ", ".join(f"'{t}'" for t in texts) + "'"
