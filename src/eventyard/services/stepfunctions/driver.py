"""The durable driver of executions: the pure interpreter (``core.states``) made to run
on the store, one committed step at a time.

- Everything that happens to an execution (a task's answer, a timer, a callback,
  StopExecution) is *posted* to its inbox in the unit of work that learns it, together
  with a keyed ``sfn-advance`` job. Callers that hold the unit anyway (StopExecution,
  SendTask*) apply the inbox at once in the same unit.
- ``apply_inbox`` takes the execution's row lock (one unit of work per execution at a
  time, on any node), feeds the inbox to ``advance`` in order and commits, in that same
  unit, the new state, the history events and every effect turned into rows: timers and
  task invocations become jobs (``sfn-timer``, ``sfn-task``), task tokens and activity
  tasks become ``sfn_tasks`` rows, an end updates the execution. A crash therefore
  resumes from the last committed step: the jobs are still there.
- A task job calls its resource outside any unit of work and posts the answer when it
  finishes (``Finished(apply)``): a crash between the call and that commit repeats the
  call, which is the at-least-once AWS promises for task side effects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import structlog

from eventyard.core import clock
from eventyard.core.states import (
    CancelTask,
    CancelTimer,
    EndExecution,
    Event,
    ExecutionState,
    InvokeTask,
    ItemsRead,
    MapRunEnded,
    ReadItems,
    StartMapRun,
    StartTimer,
    Step,
    Stop,
    TaskFailed,
    TaskHeartbeat,
    TaskStarted,
    TaskSubmitted,
    TaskSucceeded,
    TimerFired,
    advance,
)
from eventyard.core.states.payload import compact
from eventyard.runtime.jobs import Again, Finished
from eventyard.services.stepfunctions._base import budget_of, compiled
from eventyard.services.stepfunctions.maprun import ITEM_READER_FAILED, MapRuns, is_child, missing_bucket_cause
from eventyard.store import Session
from eventyard.store.jobs import JobRecord, NewJob
from eventyard.store.notifications import wake
from eventyard.store.states import ExecutionRecord, TaskRecord

if TYPE_CHECKING:
    from eventyard.services.stepfunctions.integrations import Integrations

log = structlog.get_logger("eventyard.stepfunctions")

ADVANCE = "sfn-advance"
TIMER = "sfn-timer"
TASK = "sfn-task"
ACTIVITY_WAKE = "sfn-activity"
EXECUTION_WAKE = "sfn-execution"
INBOX_BATCH = 100
INLINE_TASKS = 16  # tasks answered inside one unit of work at most (a loop of them goes on through jobs)
MACHINES_KEPT = 512
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})

_EVENTS: dict[str, type] = {cls.__name__: cls for cls in (
    TaskSucceeded, TaskFailed, TaskSubmitted, TaskStarted, TaskHeartbeat, TimerFired, Stop, ItemsRead, MapRunEnded)}


def event_body(event: Event) -> dict[str, Any]:
    """An interpreter event as the inbox keeps it (its time is the time it is applied)."""
    body = {k: v for k, v in event.__dict__.items() if k != "now_ms"}
    body["kind"] = type(event).__name__
    return body


def event_of(body: dict[str, Any], now_ms: int) -> Event:
    fields = {k: v for k, v in body.items() if k != "kind"}
    event: Event = _EVENTS[body["kind"]](now_ms=now_ms, **fields)
    return event


@dataclass
class AfterCommit:
    """Local signals owed once the unit of work commits (other nodes hear ``wake``)."""

    keys: set[str] = field(default_factory=set)
    kick: bool = False
    queues: list[int] = field(default_factory=list)  # queues written in the unit: wake their long polls
    routed: list[Any] = field(default_factory=list)  # status change events routed in the unit (EventBridge's)
    started: list[ExecutionRecord] = field(default_factory=list)
    ended: list[tuple[ExecutionRecord, EndExecution, int]] = field(default_factory=list)


def _job_key(execution_arn: str, ident: str) -> str:
    return f"{execution_arn}|{ident}"


class Driver:
    def __init__(self, integrations: "Integrations") -> None:
        self.integrations = integrations
        self.map_runs = MapRuns(self)
        self._machines: dict[tuple[str, str], Any] = {}
        self._kept: dict[str, tuple[bool, bool]] = {}  # definition hash -> _features
        # set by the service: local wake-ups and job kicks after a commit, end-of-execution hooks
        self.signal: Callable[[AfterCommit], None] = lambda after: None
        # set by the service: each step's history events, in the unit that appends them (CloudWatch Logs)
        self.history_logged: Callable[[Session, ExecutionRecord, list[dict[str, Any]]], None] = \
            lambda s, record, events: None
        # set by the service: what an execution's end writes in the unit that ends it
        self.on_end: Callable[[Session, ExecutionRecord, EndExecution, int, AfterCommit], None] = (
            lambda s, record, end, now, after: None)

    @staticmethod
    def after_commit() -> AfterCommit:
        """A fresh record of the signals a unit of work owes (for collaborators that
        cannot import this module without a cycle)."""
        return AfterCommit()

    # -- inside a unit of work ---------------------------------------------------------

    def post(self, s: Session, execution_arn: str, event: Event, after: AfterCommit) -> None:
        s.states.post(execution_arn, event_body(event))
        now = clock.now_ms()
        s.jobs.add(NewJob(ADVANCE, {"arn": execution_arn}, now, now, key=execution_arn))
        after.kick = True

    def deliver(self, s: Session, execution_arn: str, event: Event, after: AfterCommit) -> None:
        """Post ``event`` and apply the inbox now, in the caller's unit of work (no job:
        nothing is left waiting once this unit commits)."""
        s.states.post(execution_arn, event_body(event))
        while self.apply_inbox(s, execution_arn, after):
            pass

    def apply_inbox(self, s: Session, execution_arn: str, after: AfterCommit) -> bool:
        """Apply up to INBOX_BATCH waiting events; whether more wait."""
        locked = s.states.lock_execution(execution_arn)
        if locked is None:
            s.states.take_inbox(execution_arn, INBOX_BATCH)
            return False
        record, state_text = locked
        bodies = s.states.take_inbox(execution_arn, INBOX_BATCH)
        if not bodies:
            return False
        if record.status != "RUNNING":
            return len(bodies) == INBOX_BATCH  # events for an ended execution change nothing
        state = ExecutionState.from_json(state_text)
        machine = self.machine(s, record)
        now = clock.now_ms()
        for body in bodies:
            step = advance(machine, state, event_of(body, now), in_place=True, budget=budget_of(record.machine_type))
            record = self.commit_step(s, record, step, now, after, save=False)
        self.save(s, record, state, now, after)
        return len(bodies) == INBOX_BATCH

    def machine(self, s: Session, record: ExecutionRecord) -> Any:
        return self.machine_of(s, record.definition_hash, record.machine_type)

    def machine_of(self, s: Session, digest: str, machine_type: str) -> Any:
        """The compiled definition of ``digest`` (a definition's text never changes under
        its hash, so it is read and compiled once per node)."""
        key = (digest, machine_type)
        machine = self._machines.get(key)
        if machine is None:
            body = s.states.definition(digest)
            assert body is not None
            if len(self._machines) >= MACHINES_KEPT:
                self._machines.clear()
            machine = self._machines[key] = compiled(body, machine_type)
        return machine

    def _features(self, s: Session, record: ExecutionRecord) -> tuple[bool, bool]:
        """What the execution's definition may leave behind at its end: map runs (only a
        distributed Map has them) and task rows (callbacks, activities, ``.sync`` links)."""
        known = self._kept.get(record.definition_hash)
        if known is None:
            body = s.states.definition(record.definition_hash) or ""
            if len(self._kept) >= MACHINES_KEPT:
                self._kept.clear()
            known = self._kept[record.definition_hash] = (
                "DISTRIBUTED" in body, any(mark in body for mark in (".waitForTaskToken", ".sync", ":activity:")))
        return known

    def may_run_maps(self, s: Session, record: ExecutionRecord) -> bool:
        return self._features(s, record)[0]

    def commit_step(self, s: Session, record: ExecutionRecord, step: Step, now: int, after: AfterCommit,
                    *, save: bool = True) -> ExecutionRecord:
        """Record ``step``'s history and turn its effects into rows; with ``save``, also
        the new state. Returns the record with its event count brought up to date.

        A task the integrations can complete inside this unit of work (``call_in_unit``:
        e.g. ``sqs:sendMessage`` to a queue on this store) is answered here and the
        execution goes on in the same unit, its side effect and the transitions around it
        committed together (exactly once); at most ``INLINE_TASKS`` of them per unit, the
        others go through task jobs as usual."""
        arn = record.arn
        inline = 0
        recorded = 0
        kept = record.machine_type != "EXPRESS"  # Express history lives only in its logs, as on AWS
        written: list[dict[str, Any]] = []  # the unit's events, appended as one row at the end
        while True:
            events = step.events
            if kept:
                written.extend(events)
            self.history_logged(s, record, events)
            recorded += len(events)
            answers: list[Event] = []
            for effect in step.effects:
                if isinstance(effect, InvokeTask):
                    answer = None
                    if inline < INLINE_TASKS:
                        answer = self.integrations.call_in_unit(s, record, effect, now, after)
                    if answer is None:
                        self._invoke(s, record, effect, now, after)
                    else:
                        answers.append(answer)
                        inline += 1
                elif isinstance(effect, CancelTask):
                    task = s.states.task_of(arn, effect.task_id)
                    if task is not None:
                        s.states.close_task(task.token)
                    s.jobs.cancel(TASK, _job_key(arn, effect.task_id))
                elif isinstance(effect, StartTimer):
                    s.jobs.add(NewJob(TIMER, {"arn": arn, "timer": effect.timer_id}, now, effect.due_ms,
                                      key=_job_key(arn, effect.timer_id)))
                    after.kick = True
                elif isinstance(effect, CancelTimer):
                    s.jobs.cancel(TIMER, _job_key(arn, effect.timer_id))
                elif isinstance(effect, ReadItems):
                    # no S3 here: the reader fails as a read from a missing bucket does
                    self.post(s, arn, ItemsRead(effect.reader_id, None, now, error=ITEM_READER_FAILED,
                                                cause=missing_bucket_cause()), after)
                elif isinstance(effect, StartMapRun):
                    self.map_runs.begin(s, record, effect, now, after)
            if not answers:
                break
            # the answers, in the order the tasks were invoked, as the inbox would apply them
            machine = self.machine(s, record)
            state, effects = step.state, []
            for answer in answers:
                effects.extend(advance(machine, state, answer, in_place=True,
                                       budget=budget_of(record.machine_type)).effects)
            step = Step(state, effects)
        s.states.append_history(arn, written)
        record = replace(record, event_count=record.event_count + recorded)
        if save:
            self.save(s, record, step.state, now, after)
        return record

    def save(self, s: Session, record: ExecutionRecord, state: ExecutionState, now: int, after: AfterCommit) -> None:
        ended = state.status in TERMINAL
        if ended:
            if self._features(s, record)[1]:
                s.states.close_tasks_of(record.arn)
            end = EndExecution(state.status, None if state.output is None else _text(state.output), state.error,
                               state.cause)
            # a succeeded execution always has an output, JSON null included ("null", as AWS shows it)
            output = _text(state.output) if state.status == "SUCCEEDED" else None
            s.states.save_execution(record.arn, state=state.to_json(), status=state.status,
                                    event_count=record.event_count, output=output, error=end.error,
                                    cause=end.cause, stop_date=now)
            after.keys.add(f"{EXECUTION_WAKE}:{record.arn}")
            wake(s, EXECUTION_WAKE, record.arn)
            after.ended.append((record, end, now))
            self.on_end(s, record, end, now, after)
            self._answer_parent(s, record, after)
            if is_child(record):
                self.map_runs.child_ended(s, record, end, now, after)
            if self.may_run_maps(s, record):
                self.map_runs.parent_ended(s, record, now, after)
        else:
            s.states.save_execution(record.arn, state=state.to_json(), status=state.status,
                                    event_count=record.event_count, redrive_count=None)

    def _invoke(self, s: Session, record: ExecutionRecord, task: InvokeTask, now: int, after: AfterCommit) -> None:
        if task.pattern == "activity":
            token = task.task_token or _job_key(record.arn, task.task_id)
            s.states.add_task(TaskRecord(token, record.arn, task.task_id, task.resource, _text(task.parameters),
                                         "WAITING", None, now))
            after.keys.add(f"{ACTIVITY_WAKE}:{task.resource}")
            wake(s, ACTIVITY_WAKE, task.resource)
            return
        if task.task_token is not None:
            s.states.add_task(TaskRecord(task.task_token, record.arn, task.task_id, None, None, "WAITING", None, now))
        payload = {"arn": record.arn, "task": task.task_id, "resource": task.resource, "pattern": task.pattern,
                   "parameters": task.parameters, "token": task.task_token, "account": record.account_id,
                   "region": record.region, "role": record.role_arn}
        if task.credentials is not None:
            payload["credentials"] = task.credentials
        s.jobs.add(NewJob(TASK, payload, now, now, key=_job_key(record.arn, task.task_id)))
        after.kick = True

    def _answer_parent(self, s: Session, record: ExecutionRecord, after: AfterCommit) -> None:
        """A child started by ``states:startExecution.sync`` answers its parent's task."""
        link = s.states.task(f"child:{record.arn}")
        if link is not None and link.status != "CLOSED":
            self.post(s, link.execution_arn, self.integrations.child_answer(s, link), after)

    # -- job handlers ------------------------------------------------------------------
    async def run_advance(self, job: JobRecord) -> Finished | Again:
        after = AfterCommit()
        arn = job.payload["arn"]
        more = await self.integrations.store.write(lambda s: self.apply_inbox(s, arn, after))
        self.signal(after)
        return Again(clock.now_ms()) if more else Finished()

    async def run_timer(self, job: JobRecord) -> Finished:
        # Posted in a unit of its own, then signalled; a repeat (a crash before the job
        # is dropped) posts a TimerFired the interpreter no longer waits for: ignored.
        after = AfterCommit()
        arn, timer = job.payload["arn"], job.payload["timer"]

        def fired(s: Session) -> None:
            self.deliver(s, arn, TimerFired(timer, 0), after)

        await self.integrations.store.write(fired)
        self.signal(after)
        return Finished()

    async def run_task(self, job: JobRecord) -> Finished:
        after = AfterCommit()
        p = job.payload
        answer = await self.integrations.call(p, after)

        def answered(s: Session) -> None:
            # the answer first: a .sync child that already ended answers (through link)
            # after its parent's TaskSubmitted, as on AWS
            if answer is not None:
                self.deliver(s, p["arn"], answer, after)
            self.integrations.link(s, p, after)

        await self.integrations.store.write(answered)
        self.signal(after)
        return Finished()


def _text(value: Any) -> str:
    return compact(value)
