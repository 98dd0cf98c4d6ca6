"""A state machine definition: parsed, checked as CreateStateMachine checks it, compiled.

    machine = parse_definition(text, machine_type="STANDARD")     DefinitionInvalid
    diagnostics = validate_definition(text, machine_type)          [] when valid

Every problem found is reported (not only the first), each with AWS's code, message and
JSON-pointer location: SCHEMA_VALIDATION_FAILED for the shape of fields,
MISSING_TRANSITION_TARGET for a ``Next``/``Default``/``StartAt`` naming no state and
for a state nothing reaches, INVALID_JSON_DESCRIPTION for text that is not JSON.
Paths, templates, intrinsic calls and JSONata expressions are compiled here, once; the
interpreter never parses a field again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from eventyard.core import jsondoc
from eventyard.core.json_errors import jackson_suffix
from eventyard.core.states import choice as choice_rules
from eventyard.core.states.errors import PREDEFINED, DefinitionInvalid, Diagnostic
from eventyard.core.states.jsonata import JsonataSyntaxError
from eventyard.core.states.jsonata_fields import JsonataValue, is_expression
from eventyard.core.states.jsonpath import Path, PathSyntaxError, is_reference
from eventyard.core.states.jsonpath import parse as parse_path
from eventyard.core.states.payload import UNSET, Template, TemplateError, _Unset, parse_reference
from eventyard.core.states.timestamps import parse_timestamp

JSONPATH: Final = "JSONPath"
JSONATA: Final = "JSONata"
STATE_TYPES: Final = ("Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map")
MAX_STATE_NAME = 80

SCHEMA = "SCHEMA_VALIDATION_FAILED"
ALL_ALONE = "States.ALL must appear alone and at end of list"
MISSING_TARGET = "MISSING_TRANSITION_TARGET"


@dataclass(frozen=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval_seconds: int = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: int | None = None
    jitter_strategy: str = "NONE"


@dataclass(frozen=True)
class Catcher:
    error_equals: tuple[str, ...]
    next: str
    result_path: Path | None | _Unset = UNSET
    output: JsonataValue | None = None
    assign: "Assignment | None" = None


@dataclass(frozen=True)
class Assignment:
    """An ``Assign`` block: JSONPath (a payload template over the state's result) or
    JSONata (each value an expression or a literal)."""

    jsonpath: Template | None = None
    jsonata: JsonataValue | None = None


@dataclass(frozen=True)
class ChoiceBranch:
    next: str
    rule: choice_rules.Rule | None = None  # JSONPath
    condition: JsonataValue | None = None  # JSONata
    output: JsonataValue | None = None
    assign: Assignment | None = None


@dataclass
class State:
    """One state, every field compiled. Fields a type does not have stay at their
    defaults; ``raw`` is the definition's own object."""

    name: str
    type: str
    query_language: str
    raw: dict[str, Any]
    pointer: str
    next: str | None = None
    end: bool = False
    comment: str | None = None
    # JSONPath data flow
    input_path: Path | None | _Unset = UNSET
    output_path: Path | None | _Unset = UNSET
    result_path: Path | None | _Unset = UNSET
    parameters: Template | None = None  # Parameters; Map's ItemSelector (or legacy Parameters)
    result_selector: Template | None = None
    result: Any = UNSET  # Pass
    # JSONata data flow
    arguments: JsonataValue | None = None
    output: JsonataValue | None = None
    assign: Assignment | None = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    # Task
    resource: str | None = None
    timeout_seconds: Any = None  # int, or a JsonataValue
    timeout_seconds_path: Path | None = None
    heartbeat_seconds: Any = None
    heartbeat_seconds_path: Path | None = None
    credentials: Template | JsonataValue | None = None
    # Choice
    choices: tuple[ChoiceBranch, ...] = ()
    default: str | None = None
    # Wait
    seconds: Any = None
    seconds_path: Path | None = None
    timestamp: Any = None
    timestamp_path: Path | None = None
    # Fail
    error: Any = None
    error_path: Any = None  # Path or intrinsic Template
    cause: Any = None
    cause_path: Any = None
    # Parallel
    branches: tuple["Machine", ...] = ()
    # Map
    processor: "Machine | None" = None
    processor_mode: str = "INLINE"
    execution_type: str | None = None
    items_path: Path | _Unset = UNSET
    items: JsonataValue | None = None
    item_selector_jsonata: JsonataValue | None = None
    max_concurrency: Any = 0
    max_concurrency_path: Path | None = None
    item_reader: dict[str, Any] | None = None
    item_batcher: dict[str, Any] | None = None
    result_writer: dict[str, Any] | None = None
    tolerated_failure_percentage: Any = None
    tolerated_failure_percentage_path: Path | None = None
    tolerated_failure_count: Any = None
    tolerated_failure_count_path: Path | None = None
    tolerated_failure_percentage_expression: JsonataValue | None = None
    tolerated_failure_count_expression: JsonataValue | None = None
    label: str | None = None
    item_reader_parameters: Template | JsonataValue | None = None  # ItemReader's Parameters / Arguments
    batch_input: Template | JsonataValue | None = None  # ItemBatcher's BatchInput

    @property
    def jsonata(self) -> bool:
        return self.query_language == JSONATA

    @property
    def distributed(self) -> bool:
        return self.type == "Map" and self.processor_mode == "DISTRIBUTED"


@dataclass
class Machine:
    """A top-level machine, a Parallel branch or a Map's item processor."""

    start_at: str
    states: dict[str, State]
    query_language: str = JSONPATH
    timeout_seconds: int | None = None
    comment: str | None = None
    version: str | None = None
    pointer: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


# --- fields allowed per type -----------------------------------------------------

_COMMON = {"Type", "Comment", "QueryLanguage"}
_FLOW = {"Next", "End"}
_JSONPATH_IO = {"InputPath", "OutputPath"}
_ALLOWED: dict[str, dict[str, set[str]]] = {
    "Pass": {JSONPATH: _FLOW | _JSONPATH_IO | {"ResultPath", "Parameters", "Result", "Assign"},
             JSONATA: _FLOW | {"Output", "Assign"}},
    "Task": {JSONPATH: _FLOW | _JSONPATH_IO | {"ResultPath", "Parameters", "ResultSelector", "Resource",
                                               "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
                                               "HeartbeatSecondsPath", "Retry", "Catch", "Credentials", "Assign"},
             JSONATA: _FLOW | {"Arguments", "Output", "Assign", "Resource", "TimeoutSeconds", "HeartbeatSeconds",
                               "Retry", "Catch", "Credentials"}},
    "Choice": {JSONPATH: _JSONPATH_IO | {"Choices", "Default", "Assign"},
               JSONATA: {"Choices", "Default", "Output", "Assign"}},
    "Wait": {JSONPATH: _FLOW | _JSONPATH_IO | {"Seconds", "SecondsPath", "Timestamp", "TimestampPath", "Assign"},
             JSONATA: _FLOW | {"Seconds", "Timestamp", "Output", "Assign"}},
    "Succeed": {JSONPATH: _JSONPATH_IO, JSONATA: {"Output"}},
    "Fail": {JSONPATH: {"Error", "ErrorPath", "Cause", "CausePath"}, JSONATA: {"Error", "Cause"}},
    "Parallel": {JSONPATH: _FLOW | _JSONPATH_IO | {"ResultPath", "Parameters", "ResultSelector", "Branches",
                                                   "Retry", "Catch", "Assign"},
                 JSONATA: _FLOW | {"Arguments", "Output", "Branches", "Retry", "Catch", "Assign"}},
    "Map": {JSONPATH: _FLOW | _JSONPATH_IO | {"ResultPath", "Parameters", "ItemSelector", "ResultSelector",
                                              "ItemsPath", "Iterator", "ItemProcessor", "MaxConcurrency",
                                              "MaxConcurrencyPath", "ItemReader", "ItemBatcher", "ResultWriter",
                                              "ToleratedFailurePercentage", "ToleratedFailurePercentagePath",
                                              "ToleratedFailureCount", "ToleratedFailureCountPath", "Label",
                                              "Retry", "Catch", "Assign"},
            JSONATA: _FLOW | {"Items", "ItemSelector", "ItemProcessor", "Iterator", "MaxConcurrency", "ItemReader",
                              "ItemBatcher", "ResultWriter", "ToleratedFailurePercentage",
                              "ToleratedFailureCount", "Label", "Output", "Arguments", "Retry", "Catch",
                              "Assign"}},
}
_TERMINAL = {"Succeed", "Fail", "Choice"}

# Optimized integrations whose API set AWS checks (others are accepted as written).
_OPTIMIZED: dict[str, frozenset[str]] = {
    "lambda": frozenset({"invoke"}),
    "sqs": frozenset({"sendMessage"}),
    "sns": frozenset({"publish"}),
    "events": frozenset({"putEvents"}),
    "states": frozenset({"startExecution"}),
    "dynamodb": frozenset({"getItem", "putItem", "updateItem", "deleteItem"}),
    "http": frozenset({"invoke"}),
}
_REQUIRED_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("lambda", "invoke"): ("FunctionName",),
    ("sqs", "sendMessage"): ("QueueUrl", "MessageBody"),
    ("sns", "publish"): ("Message",),
    ("dynamodb", "putItem"): ("TableName", "Item"),
    ("dynamodb", "getItem"): ("TableName", "Key"),
    ("states", "startExecution"): ("StateMachineArn",),
    ("events", "putEvents"): ("Entries",),
    ("http", "invoke"): ("ApiEndpoint", "Method", "Authentication"),
    ("ecs", "runTask"): ("TaskDefinition",),
    ("glue", "startJobRun"): ("JobName",),
}
_SUFFIXES = ("", ".sync", ".sync:2", ".waitForTaskToken")
_STATES_INTEGRATION = re.compile(r"arn:aws[a-z-]*:states:::([a-zA-Z0-9-]+):([a-zA-Z0-9-:]+?)(\.sync(?::2)?|\.waitForTaskToken)?$")
_SDK_INTEGRATION = re.compile(r"arn:aws[a-z-]*:states:::aws-sdk:([a-z0-9]+):([a-zA-Z0-9]+)(\.waitForTaskToken)?$")
_ACTIVITY = re.compile(r"arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:activity:.+$")
_FUNCTION = re.compile(r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(?::[A-Za-z0-9_$-]+)?$")
# the HTTP task's errors: States.Http.StatusCode.<status> and States.Http.Socket
_HTTP_ERROR = re.compile(r"States\.Http\.(StatusCode\.\d{3}|Socket)$")
_ITEM_READERS = frozenset({"s3:getObject", "s3:listObjectsV2"})
_INPUT_TYPES = ("CSV", "JSON", "JSONL", "PARQUET", "MANIFEST")
_VARIABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*$")


def _reference_problem(text: str) -> str | None:
    if not text.startswith("$"):
        return "Value is not a Reference Path: Reference path didn't start with '$'"
    return None


class _Checker:
    def __init__(self, machine_type: str) -> None:
        self.machine_type = machine_type
        self.found: list[Diagnostic] = []

    def schema(self, message: str, pointer: str) -> None:
        self.found.append(Diagnostic(SCHEMA, message, pointer or "/"))

    def missing_target(self, message: str, pointer: str) -> None:
        self.found.append(Diagnostic(MISSING_TARGET, message, pointer))


def validate_definition(text: str, machine_type: str = "STANDARD") -> list[Diagnostic]:
    """ValidateStateMachineDefinition's diagnostics ([] when the definition is valid)."""
    try:
        parse_definition(text, machine_type)
    except DefinitionInvalid as invalid:
        return invalid.diagnostics
    return []


def parse_definition(text: str | dict[str, Any], machine_type: str = "STANDARD") -> Machine:
    if isinstance(text, str):
        if not text.strip():
            raise DefinitionInvalid([Diagnostic(SCHEMA, "Definition must be a valid JSON object")])
        try:
            document = loads_within_nesting(text)
        except ValueError as bad:
            raise DefinitionInvalid([_not_json(text, bad)]) from None
    else:
        document = text
    if not isinstance(document, dict):
        raise DefinitionInvalid([Diagnostic(SCHEMA, "Definition must be a valid JSON object")])
    checker = _Checker(machine_type)
    language = document.get("QueryLanguage", JSONPATH)
    if language not in (JSONPATH, JSONATA):
        checker.schema(f"The field 'QueryLanguage' should have one of these values: [{JSONPATH}, {JSONATA}]",
                       "/QueryLanguage")
        language = JSONPATH
    machine = _machine(document, "", language, checker, top=True)
    if checker.found:
        raise DefinitionInvalid(checker.found)
    return machine


def _machine(document: dict[str, Any], pointer: str, language: str, checker: _Checker, *, top: bool) -> Machine:
    missing = [name for name in ("States", "StartAt") if name not in document]
    if missing:
        checker.schema(f"These fields are required: [{', '.join(missing)}]", pointer or "/")
    allowed = {"StartAt", "States", "Comment"} | ({"Version", "TimeoutSeconds", "QueryLanguage"} if top else
                                                  {"ProcessorConfig"})
    for name in document:
        if name not in allowed:
            checker.schema(f"Field '{name}' is not supported", f"{pointer}/{name}")
    start_at = document.get("StartAt", "")
    if "StartAt" in document and not isinstance(start_at, str):
        checker.schema("The value for the field 'StartAt' must be a STRING", f"{pointer}/StartAt")
        start_at = ""
    raw_states = document.get("States", {})
    states: dict[str, State] = {}
    if not isinstance(raw_states, dict):
        checker.schema("The value for the field 'States' must be an OBJECT", f"{pointer}/States")
        raw_states = {}
    elif "States" in document and not raw_states:
        checker.schema("The field 'States' should be non-empty", f"{pointer}/States")
    for name, raw in raw_states.items():
        where = f"{pointer}/States/{name}"
        if len(name) > MAX_STATE_NAME:
            checker.schema(f"The state name is longer than {MAX_STATE_NAME} characters", where)
        if not isinstance(raw, dict):
            checker.schema("The value for the state must be an OBJECT", where)
            continue
        state = _state(name, raw, where, language, checker)
        if state is not None:
            states[name] = state
    timeout = document.get("TimeoutSeconds")
    if top and "TimeoutSeconds" in document and not (isinstance(timeout, int) and _non_negative(timeout)
                                                     and timeout <= 99_999_999):
        # 0 is accepted (measured on AWS) and means no timeout here
        checker.schema(_range_message(timeout, 0, 99_999_999) if isinstance(timeout, (int, float))
                       else "Expected value of type Integer", "/TimeoutSeconds")
    machine = Machine(start_at, states, language, timeout if _natural(timeout) else None,
                      document.get("Comment"), document.get("Version"), pointer, document)
    if raw_states and "StartAt" in document and isinstance(start_at, str) and start_at not in raw_states:
        checker.missing_target(f"Missing 'Next' target: {start_at}", f"{pointer}/StartAt")
    _check_transitions(machine, raw_states, checker)
    return machine


def _check_transitions(machine: Machine, raw_states: dict[str, Any], checker: _Checker) -> None:
    targets: list[tuple[str, str, str]] = []  # (target, kind, pointer)
    for state in machine.states.values():
        if state.next is not None:
            targets.append((state.next, "Next", f"{state.pointer}/Next"))
        if state.default is not None:
            targets.append((state.default, "Default", f"{state.pointer}/Default"))
        for i, branch in enumerate(state.choices):
            targets.append((branch.next, "Next", f"{state.pointer}/Choices[{i}]/Next"))
        for i, catcher in enumerate(state.catch):
            targets.append((catcher.next, "Next", f"{state.pointer}/Catch[{i}]/Next"))
    for target, _kind, where in targets:
        if target not in raw_states:
            # AWS names every transition 'Next' here, Default and Catch targets too
            checker.missing_target(f"Missing 'Next' target: {target}", where)
    if raw_states and not any(state.end or state.type in ("Succeed", "Fail") for state in machine.states.values()) \
            and len(machine.states) == len(raw_states):
        checker.found.append(Diagnostic("MISSING_END_STATE", "Workflow has no terminal state",
                                        f"{machine.pointer}/States"))
    if machine.start_at not in machine.states:
        return
    reached = {machine.start_at}
    edges: dict[str, set[str]] = {name: set() for name in machine.states}
    for state in machine.states.values():
        follow = {state.next, state.default} | {b.next for b in state.choices} | {c.next for c in state.catch}
        edges[state.name] = {t for t in follow if t is not None}
    frontier = [machine.start_at]
    while frontier:
        for target in edges.get(frontier.pop(), ()):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    for name in machine.states:
        if name not in reached:
            checker.missing_target(f'State "{name}" is not reachable.', f"{machine.pointer}/States/{name}")


def _natural(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _non_negative(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _state(name: str, raw: dict[str, Any], where: str, inherited: str, checker: _Checker) -> State | None:
    kind = raw.get("Type")
    if kind not in STATE_TYPES:
        checker.schema(f"The field 'Type' should have one of these values: [{', '.join(STATE_TYPES)}]",
                       f"{where}/Type")
        return None
    language = raw.get("QueryLanguage", inherited)
    if language not in (JSONPATH, JSONATA):
        checker.schema(f"The field 'QueryLanguage' should have one of these values: [{JSONPATH}, {JSONATA}]",
                       f"{where}/QueryLanguage")
        language = inherited
    if inherited == JSONATA and language == JSONPATH:
        checker.schema("'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", where)
        language = JSONATA
    allowed = _ALLOWED[kind][language] | _COMMON
    for field_name in raw:
        if field_name not in allowed:
            checker.schema(f"Field '{field_name}' is not supported", f"{where}/{field_name}")
    state = State(name, kind, language, raw, where, comment=raw.get("Comment"))
    _flow(state, checker)
    builder = _Builder(state, checker)
    builder.common()
    getattr(builder, kind.lower())()
    return state


def _flow(state: State, checker: _Checker) -> None:
    raw, where = state.raw, state.pointer
    if state.type in _TERMINAL:
        return
    has_next, end = "Next" in raw, raw.get("End")
    if has_next and end is True:
        checker.schema("There should only be one of the following fields: [Next, End]", where)
    elif not has_next and end is not True:
        checker.schema("One of the fields 'Next' or 'End' is required", where)
    if has_next:
        if isinstance(raw["Next"], str):
            state.next = raw["Next"]
        else:
            checker.schema("The value for the field 'Next' must be a STRING", f"{where}/Next")
    if "End" in raw and not isinstance(end, bool):
        checker.schema("The value for the field 'End' must be a BOOLEAN", f"{where}/End")
    state.end = end is True and not has_next


class _Builder:
    """Compiles one state's fields into ``state``; reports problems to ``checker``."""

    def __init__(self, state: State, checker: _Checker) -> None:
        self.state = state
        self.raw = state.raw
        self.where = state.pointer
        self.checker = checker

    # helpers
    def problem(self, message: str, field_name: str | None = None) -> None:
        self.checker.schema(message, f"{self.where}/{field_name}" if field_name else self.where)

    def path_field(self, field_name: str, *, reference: bool = False, nullable: bool = True,
                   context: bool = True) -> Path | None | _Unset:
        if field_name not in self.raw:
            return UNSET
        text = self.raw[field_name]
        if text is None and nullable:
            return None
        if not isinstance(text, str):
            self.problem(f"The value for the field '{field_name}' must be a STRING", field_name)
            return UNSET
        message = _reference_problem(text) if reference else None
        if message is None:
            try:
                return parse_reference(text) if reference else parse_path(text)
            except PathSyntaxError:
                message = "Value is not a Reference Path" if reference else "Value must be a valid JSONPath."
        self.problem(message, field_name)
        return UNSET

    def template(self, field_name: str, *, intrinsics: bool = True) -> Template | None:
        if field_name not in self.raw:
            return None
        try:
            return Template.compile(self.raw[field_name], allow_intrinsics=intrinsics)
        except TemplateError as bad:
            self.problem(bad.message, field_name + bad.pointer)
            return None

    def jsonata(self, field_name: str, value: Any = UNSET, pointer: str | None = None) -> JsonataValue | None:
        if value is UNSET:
            if field_name not in self.raw:
                return None
            value = self.raw[field_name]
        try:
            return JsonataValue.compile(value, field_name)
        except JsonataSyntaxError as bad:
            self.checker.schema(f"The JSONata expression in the field '{field_name}' is not valid: {bad}",
                                pointer or f"{self.where}/{field_name}")
            return None

    def number_or_expression(self, field_name: str, *, minimum: int = 1, maximum: int | None = 99_999_999) -> Any:
        value = self.raw.get(field_name)
        if field_name not in self.raw:
            return None
        if self.state.jsonata and is_expression(value):
            return self.jsonata(field_name)
        if not (isinstance(value, int) and not isinstance(value, bool)):
            self.problem("Expected value of type Integer", field_name)
            return None
        if value < minimum or (maximum is not None and value > maximum):
            self.problem(_range_message(value, minimum, maximum if maximum is not None else value), field_name)
            return None
        return value

    # fields shared by several types
    def common(self) -> None:
        s = self.state
        if s.jsonata:
            if s.type not in ("Fail",):
                s.output = self.jsonata("Output")
            s.arguments = self.jsonata("Arguments")
        else:
            s.input_path = self.path_field("InputPath")
            s.output_path = self.path_field("OutputPath")
            if s.type in ("Pass", "Task", "Parallel", "Map"):
                s.result_path = self.path_field("ResultPath", reference=True)
                s.parameters = self.template("Parameters")
            if s.type in ("Task", "Parallel", "Map"):
                s.result_selector = self.template("ResultSelector")
        if "Assign" in self.raw:
            s.assign = self.assignment(self.raw["Assign"], "Assign")
        if s.type in ("Task", "Parallel", "Map"):
            s.retry = self.retriers()
            s.catch = self.catchers()

    def assignment(self, value: Any, field_name: str) -> Assignment | None:
        if not isinstance(value, dict):
            self.problem(f"The value for the field '{field_name}' must be an OBJECT", field_name)
            return None
        for name in value:
            bare = name[:-2] if name.endswith(".$") and not self.state.jsonata else name
            where = f"{self.where}/{field_name}/{name}"
            if bare == "states":
                self.checker.found.append(Diagnostic("RESERVED_VARIABLE_NAME",
                                                     "Cannot assign to reserved variable '$states'.", where))
                return None
            if not _VARIABLE_NAME.match(bare) or len(bare) > 80:
                self.checker.found.append(Diagnostic(
                    "INVALID_VARIABLE_NAME",
                    f"Invalid variable name '{bare}': the variable name contains invalid characters.", where))
                return None
        if self.state.jsonata:
            compiled = self.jsonata(field_name, value)
            return Assignment(jsonata=compiled) if compiled is not None else None
        try:
            return Assignment(jsonpath=Template.compile(value))
        except TemplateError as bad:
            self.problem(bad.message, field_name + bad.pointer)
            return None

    def error_list(self, raw: dict[str, Any], where: str) -> tuple[str, ...]:
        names = raw.get("ErrorEquals")
        if names is None:
            self.checker.schema("These fields are required: [ErrorEquals]", where)
            return ()
        if not isinstance(names, list) or not names:
            self.checker.schema("Value cannot be empty", f"{where}/ErrorEquals")
            return ()
        for name in names:
            if not isinstance(name, str):
                self.checker.schema("The value for the field 'ErrorEquals' must be an array of STRING",
                                    f"{where}/ErrorEquals")
                return ()
            if name.startswith("States.") and name not in PREDEFINED and not _HTTP_ERROR.match(name):
                self.checker.schema(f"The error name '{name}' is not a valid States error name",
                                    f"{where}/ErrorEquals")
        if "States.ALL" in names and len(names) > 1:
            self.checker.schema(ALL_ALONE, f"{where}/ErrorEquals")
        return tuple(names)

    def retriers(self) -> tuple[Retrier, ...]:
        raw = self.raw.get("Retry")
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.problem("The value for the field 'Retry' must be an ARRAY", "Retry")
            return ()
        found: list[Retrier] = []
        for i, item in enumerate(raw):
            where = f"{self.where}/Retry[{i}]"
            if not isinstance(item, dict):
                self.checker.schema("The value for the retrier must be an OBJECT", where)
                continue
            for key in item:
                if key not in {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds",
                               "JitterStrategy", "Comment"}:
                    self.checker.schema(f"Field '{key}' is not supported", f"{where}/{key}")
            names = self.error_list(item, where)
            if "States.ALL" in names and len(names) == 1 and i != len(raw) - 1:
                self.checker.schema(ALL_ALONE, f"{where}/ErrorEquals")
            interval = item.get("IntervalSeconds", 1)
            if not (_non_negative(interval) and interval <= 99_999_999):  # 0 is accepted (measured on AWS)
                self.checker.schema(_range_message(interval, 0, 99_999_999), f"{where}/IntervalSeconds")
                interval = 1
            attempts = item.get("MaxAttempts", 3)
            if not (_non_negative(attempts) and attempts <= 99_999_999):
                self.checker.schema(_range_message(attempts, 0, 99_999_999), f"{where}/MaxAttempts")
                attempts = 3
            rate = item.get("BackoffRate", 2.0)
            if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 1.0 <= rate <= 99_999_999:
                self.checker.schema(_range_message(rate, 1, 99_999_999), f"{where}/BackoffRate")
                rate = 2.0
            delay = item.get("MaxDelaySeconds")
            if delay is not None and not (_natural(delay) and delay <= 31_622_400):
                self.checker.schema(_range_message(delay, 1, 31_622_400), f"{where}/MaxDelaySeconds")
                delay = None
            jitter = item.get("JitterStrategy", "NONE")
            if jitter not in ("FULL", "NONE"):
                self.checker.schema("Value should be one of the following: [NONE, FULL]", f"{where}/JitterStrategy")
                jitter = "NONE"
            found.append(Retrier(names, interval, attempts, float(rate), delay, jitter))
        return tuple(found)

    def catchers(self) -> tuple[Catcher, ...]:
        raw = self.raw.get("Catch")
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.problem("The value for the field 'Catch' must be an ARRAY", "Catch")
            return ()
        found: list[Catcher] = []
        allowed = {"ErrorEquals", "Next", "Comment", "Assign"} | (
            {"Output"} if self.state.jsonata else {"ResultPath"})
        for i, item in enumerate(raw):
            where = f"{self.where}/Catch[{i}]"
            if not isinstance(item, dict):
                self.checker.schema("The value for the catcher must be an OBJECT", where)
                continue
            for key in item:
                if key not in allowed:
                    self.checker.schema(f"Field '{key}' is not supported", f"{where}/{key}")
            names = self.error_list(item, where)
            if "States.ALL" in names and len(names) == 1 and i != len(raw) - 1:
                self.checker.schema(ALL_ALONE, f"{where}/ErrorEquals")
            target = item.get("Next")
            if not isinstance(target, str):
                self.checker.schema("These fields are required: [Next]", where)
                continue
            result_path: Path | None | _Unset = UNSET
            if "ResultPath" in item:
                if item["ResultPath"] is None:
                    result_path = None
                else:
                    try:
                        result_path = parse_reference(str(item["ResultPath"]))
                    except PathSyntaxError:
                        self.checker.schema("The value for the field 'ResultPath' must be a valid Reference Path",
                                            f"{where}/ResultPath")
            output = self.jsonata("Output", item["Output"], f"{where}/Output") if "Output" in item else None
            assign = self.assignment(item["Assign"], f"Catch[{i}]/Assign") if "Assign" in item else None
            found.append(Catcher(names, target, result_path, output, assign))
        return tuple(found)

    # one method per type
    def pass_(self) -> None:
        if "Result" in self.raw:
            self.state.result = self.raw["Result"]

    def task(self) -> None:
        s = self.state
        resource = self.raw.get("Resource")
        if not isinstance(resource, str):
            self.problem("These fields are required: [Resource]" if resource is None else
                         "The value for the field 'Resource' must be a STRING")
        else:
            s.resource = resource
            self.check_resource(resource)
        if isinstance(resource, str) and not any(d.location == f"{self.where}/Resource" for d in self.checker.found):
            self.check_integration_arguments(resource)
        s.timeout_seconds = self.number_or_expression("TimeoutSeconds")
        s.heartbeat_seconds = self.number_or_expression("HeartbeatSeconds")
        if not s.jsonata:
            timeout_path = self.path_field("TimeoutSecondsPath", nullable=False)
            heartbeat_path = self.path_field("HeartbeatSecondsPath", nullable=False)
            s.timeout_seconds_path = timeout_path if isinstance(timeout_path, Path) else None
            s.heartbeat_seconds_path = heartbeat_path if isinstance(heartbeat_path, Path) else None
            for a, b in (("TimeoutSeconds", "TimeoutSecondsPath"), ("HeartbeatSeconds", "HeartbeatSecondsPath")):
                if a in self.raw and b in self.raw:
                    self.problem(f"There should only be one of the following fields: [{a}, {b}]", b)
        if isinstance(s.timeout_seconds, int) and isinstance(s.heartbeat_seconds, int) and (
                s.heartbeat_seconds >= s.timeout_seconds):
            self.problem("The value for the field 'HeartbeatSeconds' must be smaller than the value for the "
                         "field 'TimeoutSeconds'", "HeartbeatSeconds")
        if "Credentials" in self.raw:
            raw_credentials = self.raw["Credentials"]
            if not isinstance(raw_credentials, dict):
                self.problem("The value for the field 'Credentials' must be an OBJECT", "Credentials")
            elif not {"RoleArn", "RoleArn.$"} & set(raw_credentials):
                self.problem("The field 'RoleArn' is required but was missing", "Credentials")
            else:
                s.credentials = self.jsonata("Credentials") if s.jsonata else self.template("Credentials")
        if not s.jsonata and resource is not None and isinstance(resource, str) and resource.endswith(
                ".waitForTaskToken") and s.parameters is not None and "$$.Task.Token" not in json.dumps(
                self.raw.get("Parameters")):
            self.problem("The 'Parameters' field must contain a reference to the task token '$$.Task.Token' "
                         "when the '.waitForTaskToken' integration pattern is used", "Parameters")

    def check_integration_arguments(self, resource: str) -> None:
        """Optimized integrations need their request and its required fields (measured
        with ValidateStateMachineDefinition by a public lint rule set)."""
        states = _STATES_INTEGRATION.match(resource)
        if states is None or resource.split(":::", 1)[-1].startswith("aws-sdk:"):
            return
        field_name = "Arguments" if self.state.jsonata else "Parameters"
        request = self.raw.get(field_name)
        if request is None:
            self.problem(f"{field_name} field is required for resource ARN: {resource}")
            return
        if not isinstance(request, dict):
            return  # a JSONata expression: known only at run time
        for required in _REQUIRED_FIELDS.get((states.group(1), states.group(2)), ()):
            if required not in request and f"{required}.$" not in request:
                self.problem(f"The field '{required}' is required but was missing")

    def check_resource(self, resource: str) -> None:
        if not resource.startswith("arn:"):
            self.problem("Value is not a valid resource ARN", "Resource")
            return
        not_recognized = (f"The resource provided {resource} is not recognized. The value is not a valid resource "
                          "ARN, or the resource is not available in this region.")
        express = self.checker.machine_type == "EXPRESS"
        sdk = _SDK_INTEGRATION.match(resource)
        if sdk is not None:
            if express and sdk.group(3):
                self.problem("Express state machine does not support '.waitForTaskToken' service integration ",
                             "Resource")
            return
        states = _STATES_INTEGRATION.match(resource)
        if states is not None:
            service, api, suffix = states.group(1), states.group(2), states.group(3) or ""
            if service in _OPTIMIZED and api not in _OPTIMIZED[service]:
                self.problem(not_recognized, "Resource")
            elif express and suffix:
                pattern = ".waitForTaskToken" if suffix == ".waitForTaskToken" else ".sync"
                self.problem(f"Express state machine does not support '{pattern}' service integration ",
                             "Resource")
            return
        if _ACTIVITY.match(resource):
            if express:
                self.problem("Express state machine does not support Activity ARN", "Resource")
            return
        if _FUNCTION.match(resource):
            return
        self.problem(not_recognized, "Resource")

    def choice(self) -> None:
        s = self.state
        raw_choices = self.raw.get("Choices")
        if not isinstance(raw_choices, list) or not raw_choices:
            if raw_choices is None:
                self.problem("These fields are required: [Choices]")
            else:
                self.problem("Value cannot be empty", "Choices")
            raw_choices = []
        if "Default" in self.raw:
            if isinstance(self.raw["Default"], str):
                s.default = self.raw["Default"]
            else:
                self.problem("The value for the field 'Default' must be a STRING", "Default")
        branches: list[ChoiceBranch] = []
        for i, raw in enumerate(raw_choices):
            where = f"{self.where}/Choices[{i}]"
            if not isinstance(raw, dict):
                self.checker.schema("The value for the choice rule must be an OBJECT", where)
                continue
            target = raw.get("Next")
            if not isinstance(target, str):
                self.checker.schema("These fields are required: [Next]", where)
                continue
            if s.jsonata:
                for key in raw:
                    if key not in {"Condition", "Next", "Comment", "Output", "Assign"}:
                        self.checker.schema(f"Field '{key}' is not supported", f"{where}/{key}")
                if "Condition" not in raw:
                    self.checker.schema("These fields are required: [Condition]", where)
                    continue
                condition = self.jsonata(f"Choices[{i}]/Condition", raw["Condition"], f"{where}/Condition")
                output = self.jsonata(f"Choices[{i}]/Output", raw["Output"], f"{where}/Output") \
                    if "Output" in raw else None
                assign = self.assignment(raw["Assign"], f"Choices[{i}]/Assign") if "Assign" in raw else None
                branches.append(ChoiceBranch(target, condition=condition, output=output, assign=assign))
            else:
                rule = self.rule(raw, where, top=True)
                assign = self.assignment(raw["Assign"], f"Choices[{i}]/Assign") if "Assign" in raw else None
                if rule is not None:
                    branches.append(ChoiceBranch(target, rule=rule, assign=assign))
        s.choices = tuple(branches)

    def rule(self, raw: Any, where: str, *, top: bool = False) -> choice_rules.Rule | None:
        if not isinstance(raw, dict):
            self.checker.schema("The value for the choice rule must be an OBJECT", where)
            return None
        extra = {"Next", "Comment", "Assign"} if top else {"Comment"}
        combinators = [k for k in ("And", "Or", "Not") if k in raw]
        operators = [k for k in raw if k in choice_rules.ALL_OPERATORS]
        for key in raw:
            if key not in extra and key not in choice_rules.ALL_OPERATORS and key not in (
                    "And", "Or", "Not", "Variable"):
                self.checker.schema(f"Field '{key}' is not supported", f"{where}/{key}")
                return None
        if combinators:
            if len(combinators) > 1 or "Variable" in raw:
                self.checker.schema("The object must have only one of the following fields, "
                                    "[And, Or, Not, Variable, Condition]", where)
                return None
            if operators:
                self.checker.schema(f"Field '{operators[0]}' is not supported", f"{where}/{operators[0]}")
                return None
            key = combinators[0]
            if key == "Not":
                inner = self.rule(raw["Not"], f"{where}/Not")
                return choice_rules.Not(inner) if inner is not None else None
            items = raw[key]
            if not isinstance(items, list) or not items:
                self.checker.schema("Value cannot be empty", f"{where}/{key}")
                return None
            rules = [self.rule(item, f"{where}/{key}[{j}]") for j, item in enumerate(items)]
            if any(r is None for r in rules):
                return None
            kept = tuple(r for r in rules if r is not None)
            return choice_rules.And(kept) if key == "And" else choice_rules.Or(kept)
        if "Variable" not in raw:
            self.checker.schema("These fields are required: [Variable]", where)
            return None
        if len(operators) != 1:
            self.checker.schema("A choice rule must have exactly one comparison operator", where)
            return None
        variable = self.rule_path(raw["Variable"], f"{where}/Variable")
        if variable is None:
            return None
        operator = operators[0]
        operand = raw[operator]
        if operator in choice_rules.PATH_COMPARATORS:
            operand = self.rule_path(operand, f"{where}/{operator}")
            if operand is None:
                return None
        elif not _operand_ok(operator, operand):
            self.checker.schema(f"The value for the field '{operator}' must be a {_operand_type(operator)}",
                                f"{where}/{operator}")
            return None
        return choice_rules.Comparison(variable, operator, operand)

    def rule_path(self, text: Any, pointer: str) -> Path | None:
        """Choice's Variable and *Path operands: reference paths over the input, the
        context object or a variable."""
        if not isinstance(text, str):
            self.checker.schema("Value is not a Reference Path", pointer)
            return None
        message = _reference_problem(text)
        if message is None:
            try:
                path = parse_path(text)
                if is_reference(path):
                    return path
            except PathSyntaxError:
                pass
            message = "Value is not a Reference Path"
        self.checker.schema(message, pointer)
        return None

    def wait(self) -> None:
        s = self.state
        given = [k for k in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath") if k in self.raw]
        if len(given) > 1:
            self.problem("There should only be one of the following fields: [SecondsPath, Seconds, TimestampPath, "
                         "Timestamp]")
        elif not given:
            self.problem("One of the following fields is required: [SecondsPath, Seconds, TimestampPath, Timestamp]")
        if "Seconds" in self.raw:
            s.seconds = self.number_or_expression("Seconds", minimum=0)
        if "Timestamp" in self.raw:
            value = self.raw["Timestamp"]
            if s.jsonata and is_expression(value):
                s.timestamp = self.jsonata("Timestamp")
            elif parse_timestamp(value) is None:
                self.problem("String does not match RFC3339 timestamp", "Timestamp")
            else:
                s.timestamp = value
        for name in ("SecondsPath", "TimestampPath"):
            path = self.path_field(name, nullable=False)
            if isinstance(path, Path):
                setattr(s, "seconds_path" if name == "SecondsPath" else "timestamp_path", path)

    def succeed(self) -> None:
        pass

    def fail(self) -> None:
        s = self.state
        for name in ("Error", "Cause"):
            value = self.raw.get(name)
            if name in self.raw:
                if s.jsonata and is_expression(value):
                    setattr(s, name.lower(), self.jsonata(name))
                elif not isinstance(value, str):
                    self.problem(f"The value for the field '{name}' must be a STRING", name)
                else:
                    setattr(s, name.lower(), value)
            path_name = f"{name}Path"
            if path_name in self.raw:
                if name in self.raw:
                    self.problem(f"There should only be one of the following fields: [{name}, {path_name}]",
                                 path_name)
                text = self.raw[path_name]
                try:
                    template = Template.compile({"v.$": text})
                except TemplateError:
                    self.problem(f"The value for the field '{path_name}' must be a valid JSONPath or a valid "
                                 "intrinsic function call", path_name)
                    continue
                setattr(s, f"{name.lower()}_path", template)

    def parallel(self) -> None:
        s = self.state
        raw_branches = self.raw.get("Branches")
        if not isinstance(raw_branches, list) or not raw_branches:
            if raw_branches is None:
                self.problem("These fields are required: [Branches]")
            else:
                self.problem("Value cannot be empty", "Branches")
            return
        branches = []
        for i, raw in enumerate(raw_branches):
            where = f"{self.where}/Branches[{i}]"
            if not isinstance(raw, dict):
                self.checker.schema("The value for the branch must be an OBJECT", where)
                continue
            branches.append(_machine(raw, where, s.query_language, self.checker, top=False))
        s.branches = tuple(branches)

    def map(self) -> None:
        s = self.state
        processor_field = "ItemProcessor" if "ItemProcessor" in self.raw else "Iterator"
        raw = self.raw.get(processor_field)
        if "ItemProcessor" in self.raw and "Iterator" in self.raw:
            self.problem("There should only be one of the following fields: [ItemProcessor, Iterator]", "Iterator")
        if not isinstance(raw, dict):
            self.problem("These fields are required: [ItemProcessor]" if raw is None else
                         f"The value for the field '{processor_field}' must be an OBJECT")
            return
        where = f"{self.where}/{processor_field}"
        config = raw.get("ProcessorConfig", {}) or {}
        if not isinstance(config, dict):
            self.checker.schema("The value for the field 'ProcessorConfig' must be an OBJECT",
                                f"{where}/ProcessorConfig")
            config = {}
        mode = config.get("Mode", "INLINE")
        if mode not in ("INLINE", "DISTRIBUTED"):
            self.checker.schema("Value should be one of the following: [INLINE, DISTRIBUTED]",
                                f"{where}/ProcessorConfig/Mode")
            mode = "INLINE"
        s.processor_mode = mode
        if mode == "DISTRIBUTED":
            execution_type = config.get("ExecutionType")
            if execution_type is None:
                self.checker.schema("These fields are required: [ExecutionType]", f"{where}/ProcessorConfig")
            elif execution_type not in ("STANDARD", "EXPRESS"):
                self.checker.schema("Value should be one of the following: [STANDARD, EXPRESS]",
                                    f"{where}/ProcessorConfig/ExecutionType")
            s.execution_type = execution_type
            if self.checker.machine_type == "EXPRESS":
                self.checker.schema("The field 'Mode' with value 'DISTRIBUTED' is not supported inside 'EXPRESS' "
                                    "state machines", f"{where}/ProcessorConfig/Mode")
        elif "ExecutionType" in config:
            self.checker.schema("Field 'ExecutionType' is not supported", f"{where}/ProcessorConfig/ExecutionType")
        inner = {k: v for k, v in raw.items() if k != "ProcessorConfig"}
        s.processor = _machine(inner, where, s.query_language, self.checker, top=False)
        if s.jsonata:
            if "Items" in self.raw:
                s.items = self.jsonata("Items")
            s.max_concurrency = self.number_or_expression("MaxConcurrency", minimum=0, maximum=None) or 0
            s.item_selector_jsonata = self.jsonata("ItemSelector")
        else:
            items_path = self.rule_path(self.raw["ItemsPath"], f"{self.where}/ItemsPath") \
                if "ItemsPath" in self.raw else None  # a reference path from any root ($items is a variable)
            s.items_path = items_path if isinstance(items_path, Path) else UNSET
            if "ItemSelector" in self.raw and "Parameters" in self.raw:
                self.problem("There should only be one of the following fields: [ItemSelector, Parameters]",
                             "Parameters")
            if "ItemSelector" in self.raw:
                s.parameters = self.template("ItemSelector")
            s.max_concurrency = self.number_or_expression("MaxConcurrency", minimum=0, maximum=None) or 0
            # a reference path from any root: AWS runs "$maxConcurrency" (a variable), as
            # test_assign_reference_variables records
            concurrency_path = self.rule_path(self.raw["MaxConcurrencyPath"], f"{self.where}/MaxConcurrencyPath") \
                if "MaxConcurrencyPath" in self.raw else None
            s.max_concurrency_path = concurrency_path if isinstance(concurrency_path, Path) else None
            for name in ("ToleratedFailurePercentagePath", "ToleratedFailureCountPath"):
                path = self.path_field(name, nullable=False)
                if isinstance(path, Path):
                    setattr(s, "tolerated_failure_percentage_path" if "Percentage" in name else
                            "tolerated_failure_count_path", path)
        if s.jsonata:
            for name, attr in (("ToleratedFailurePercentage", "tolerated_failure_percentage_expression"),
                               ("ToleratedFailureCount", "tolerated_failure_count_expression")):
                if is_expression(self.raw.get(name)):
                    setattr(s, attr, self.jsonata(name))
        percentage = self.raw.get("ToleratedFailurePercentage")
        if percentage is not None and not (s.jsonata and is_expression(percentage)):
            if isinstance(percentage, bool) or not isinstance(percentage, (int, float)) or not 0 <= percentage <= 100:
                self.problem(_range_message(percentage, 0, 100), "ToleratedFailurePercentage")
        s.tolerated_failure_percentage = percentage
        count = self.raw.get("ToleratedFailureCount")
        if count is not None and not (s.jsonata and is_expression(count)) and not _non_negative(count):
            self.problem("The value for the field 'ToleratedFailureCount' must be a non-negative integer",
                         "ToleratedFailureCount")
        s.tolerated_failure_count = count
        for name, attr in (("ItemReader", "item_reader"), ("ItemBatcher", "item_batcher"),
                           ("ResultWriter", "result_writer")):
            value = self.raw.get(name)
            if value is not None:
                if not isinstance(value, dict):
                    self.problem(f"The value for the field '{name}' must be an OBJECT", name)
                else:
                    setattr(s, attr, value)
        if s.item_reader is not None:
            resource = s.item_reader.get("Resource")
            if not isinstance(resource, str):
                self.problem("These fields are required: [Resource]", "ItemReader")
            elif resource.split(":::", 1)[-1] not in _ITEM_READERS:
                self.problem("The field 'Resource' does not match any of the allowed values", "ItemReader/Resource")
            argument_field = "Arguments" if s.jsonata else "Parameters"
            if argument_field in s.item_reader:
                value = s.item_reader[argument_field]
                if s.jsonata:
                    s.item_reader_parameters = self.jsonata(f"ItemReader/{argument_field}", value,
                                                            f"{self.where}/ItemReader/{argument_field}")
                else:
                    try:
                        s.item_reader_parameters = Template.compile(value)
                    except TemplateError as bad:
                        self.problem(bad.message, f"ItemReader/Parameters{bad.pointer}")
            config = s.item_reader.get("ReaderConfig")
            if isinstance(config, dict):
                input_type = config.get("InputType")
                if "InputType" in config and input_type not in _INPUT_TYPES:
                    self.problem(f"Value should be one of the following: [{', '.join(_INPUT_TYPES)}]",
                                 "ItemReader/ReaderConfig/InputType")
                if input_type == "CSV" and "CSVHeaderLocation" not in config:
                    self.problem("The field 'CSVHeaderLocation' is required", "ItemReader/ReaderConfig")
                if input_type == "JSON" and "CSVHeaderLocation" in config:
                    self.problem("Field 'CSVHeaderLocation' is not supported",
                                 "ItemReader/ReaderConfig/CSVHeaderLocation")
                if config.get("CSVHeaderLocation") == "GIVEN" and "CSVHeaders" not in config:
                    self.problem("These fields are required: [CSVHeaders]", "ItemReader/ReaderConfig")
        if "MaxConcurrency" in self.raw and "MaxConcurrencyPath" in self.raw:
            self.problem("There should only be one of the following fields: [MaxConcurrency, MaxConcurrencyPath]",
                         "MaxConcurrency")
        if s.item_batcher is not None:
            if "BatchInput" in s.item_batcher:
                value = s.item_batcher["BatchInput"]
                if s.jsonata:
                    s.batch_input = self.jsonata("ItemBatcher/BatchInput", value,
                                                 f"{self.where}/ItemBatcher/BatchInput")
                else:
                    try:
                        s.batch_input = Template.compile(value)
                    except TemplateError as bad:
                        self.problem(bad.message, f"ItemBatcher/BatchInput{bad.pointer}")
            limit = s.item_batcher.get("MaxInputBytesPerBatch")
            if isinstance(limit, int) and not 0 < limit <= 256 * 1024:
                self.problem("The value for the field 'MaxInputBytesPerBatch' must be between 1 and 262144",
                             "ItemBatcher/MaxInputBytesPerBatch")
        label = self.raw.get("Label")
        if label is not None:
            if not isinstance(label, str) or len(label) > 40:
                self.problem("The value for the field 'Label' must be a STRING of at most 40 characters", "Label")
            else:
                s.label = label


# the type names are Python keywords or clash with builtins; route them
setattr(_Builder, "pass", _Builder.pass_)


def _operand_type(operator: str) -> str:
    if operator.startswith("Numeric"):
        return "NUMBER"
    if operator.startswith("Boolean") or operator in choice_rules.TYPE_TESTS:
        return "BOOLEAN"
    if operator.startswith("Timestamp"):
        return "valid RFC3339 timestamp"
    return "STRING"


def _operand_ok(operator: str, operand: Any) -> bool:
    kind = _operand_type(operator)
    if kind == "NUMBER":
        return isinstance(operand, (int, float)) and not isinstance(operand, bool)
    if kind == "BOOLEAN":
        return isinstance(operand, bool)
    if kind == "STRING":
        return isinstance(operand, str)
    return parse_timestamp(operand) is not None


_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)")


def loads_within_nesting(text: str) -> Any:
    """``json.loads`` of a user's text, refusing (ValueError, in Jackson's words) what
    nests deeper than AWS's parser takes, before the stdlib's recursion runs out."""
    if jsondoc.too_deep(text):
        raise ValueError(f"Document nesting depth ({jsondoc.MAX_NESTING + 1}) exceeds the maximum allowed "
                         f"({jsondoc.MAX_NESTING}, from `StreamReadConstraints.getMaxNestingDepth()`)")
    try:
        return orjson.loads(text)  # the common case, and it refuses NaN and Infinity as Jackson does
    except orjson.JSONDecodeError:
        pass
    # orjson also refuses integers past 64 bits and numbers past a double (1e400), which the
    # stdlib reads as AWS's parser does; NaN and Infinity stay refused, in Jackson's words.
    return json.loads(text, parse_constant=lambda _name: _non_numeric(text))


class JacksonParseError(ValueError):
    """A text AWS's parser refuses, in its words; an API that echoes the exception
    (StartExecution's input, SendTaskSuccess's output) names it with ``java_text``."""

    def java_text(self) -> str:
        return f"com.fasterxml.jackson.core.JsonParseException: {self}"


def parse_error_text(bad: ValueError) -> str:
    """What AWS quotes of a refused input or output."""
    return bad.java_text() if isinstance(bad, JacksonParseError) else str(bad)


_VALUE_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|-?Infinity|NaN', re.DOTALL)


def _non_numeric(text: str) -> Any:
    """Jackson's JsonParseException for the first NaN or Infinity outside a string, with
    where its parser stood (just after the token)."""
    for found in _VALUE_OR_STRING.finditer(text):
        token = found.group()
        if not token.startswith('"'):
            raise JacksonParseError(f"Non-standard token '{token}': enable "
                             f"`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"
                             f"{jackson_suffix(text, found.end())}")
    raise JacksonParseError("Non-standard token")


def _not_json(text: str, bad: ValueError) -> Diagnostic:
    """INVALID_JSON_DESCRIPTION in the words of Jackson, AWS's parser, for a text that
    starts with a bare word; other syntax errors keep the parser's own words."""
    m = _TOKEN.match(text)
    if m is not None and m.group(1) not in ("true", "false", "null"):
        source = text if len(text) <= 500 else text[:500] + "[truncated " + str(len(text) - 500) + " chars]"
        location = f'[Source: (String)"{source}"; line: 1, column: {m.end() + 1}]'
        message = (f"Unrecognized token '{m.group(1)}': was expecting (JSON String, Number, Array, Object or token "
                   f"'null', 'true' or 'false')\n at {location}")
        return Diagnostic("INVALID_JSON_DESCRIPTION", message, location)
    return Diagnostic("INVALID_JSON_DESCRIPTION", str(bad))


def _range_message(value: Any, low: float, high: float) -> str:
    """AWS words a number under the minimum as "Minimum value is N" (and over the top
    likewise); a value of another type gets the type it should have."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"Minimum value is {low}" if value < low else f"Maximum value is {high}"
    return "The value must be a NUMBER"
