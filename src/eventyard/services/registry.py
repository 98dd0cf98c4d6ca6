"""The services of one server, and how an operation finds its method: through each
service's declared operation table, never by the method's name."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from prometheus_client import CollectorRegistry

from eventyard.api.invoke import Invoker
from eventyard.runtime.delivery import DeliveryRuntime
from eventyard.runtime.functions.workers import WorkerPool
from eventyard.runtime.http import OutboundHttp
from eventyard.runtime.jobs import JobRuntime
from eventyard.runtime.timers import Timers
from eventyard.runtime.wakeups import Wakeups
from eventyard.services import _operations
from eventyard.services._operations import Handler
from eventyard.services.delivery_history import DeliveryHistory
from eventyard.services.events import EventsService
from eventyard.services.functions import AsyncPolicy, FunctionDeliverer, FunctionsService, Invocations
from eventyard.services.functions import destinations
from eventyard.services.functions import service as functions_service
from eventyard.services.functions.concurrency import RENEW_SECONDS
from eventyard.services.functions.mappings import POLL_SECONDS, EventSourceMappings
from eventyard.services.functions.metrics import FunctionMetrics
from eventyard.services.functions.urls import FunctionUrls
from eventyard.services.secretsmanager import SecretsManagerService
from eventyard.services.secretsmanager import service as secretsmanager_service
from eventyard.services.secretsmanager.managed import ConnectionSecrets, ServiceSecrets
from eventyard.services.iam import IamService
from eventyard.services.iam import service as iam_service
from eventyard.services.logs import service as logs_service
from eventyard.services.logs.service import LogsService
from eventyard.services.logs.sink import StoreLogSink
from eventyard.services.sns import SnsService
from eventyard.services.sqs import SqsService
from eventyard.services.sqs.inbound import QueueDeliverer
from eventyard.services.sqs.metrics import QueueDepths
from eventyard.services.sts import StsService
from eventyard.services.sts import service as sts_service
from eventyard.services.stepfunctions import StepFunctionsService
from eventyard.services.stepfunctions import service as stepfunctions_service
from eventyard.services.stepfunctions.http_task import HttpTasks
from eventyard.services.stepfunctions.targets import ExecutionStarter
from eventyard.store import Store


class ServiceRegistry:
    def __init__(self, store: Store, runtime: DeliveryRuntime, metrics: CollectorRegistry | None = None, *,
                 secrets_key: bytes | None = None) -> None:
        self.store = store
        self.runtime = runtime
        self.wakeups = Wakeups()
        self.timers = Timers(self.wakeups)  # services register their background jobs here
        # and the handlers of their durable jobs here, leased as long as outbox deliveries
        self.jobs = JobRuntime(store, self.wakeups, lease_ms=runtime.lease_ms)
        self.http = OutboundHttp()  # one outbound pool and pacer for every HTTP deliverer
        sqs = SqsService(store, self.wakeups, self.timers)
        runtime.register_deliverer("sqs", QueueDeliverer(store, sqs.queue_writer))
        self.events = EventsService(store, runtime, sqs, self.timers, metrics, http=self.http)
        self.sqs = sqs
        self.sns = SnsService(store, runtime, sqs, self.timers, metrics, http=self.http)
        self.queue_depths = QueueDepths(store, metrics or CollectorRegistry())
        # the console's delivery attempts and topic fan-outs (on with --event-history)
        self.delivery_history = DeliveryHistory(store, runtime, self.sns.publishing.history, self.timers)
        self.sts = StsService(store)
        self.timers.at_start("sts-server-key", self.sts.server_key.get)  # loaded before the first session token
        self.secretsmanager = SecretsManagerService(store, self.jobs, data_key=secrets_key)
        # every EventBridge connection keeps its authorization in a secret of its own
        self.events.connections.connection_secrets = ConnectionSecrets(ServiceSecrets(self.secretsmanager.keys))
        self.iam = IamService(store)
        self.logs = LogsService(store, self.timers)
        self.log_sink: StoreLogSink = self.logs.sink  # how other services write their logs (functions)
        # tasks call other services through the in-process seam, as the API does
        self.stepfunctions = StepFunctionsService(store, self.jobs, self.wakeups, Invoker(self.resolve).invoke,
                                                  router=self.events.router, metrics=metrics,
                                                  queue_writer=sqs.queue_writer)
        self.stepfunctions.integrations.http_tasks = HttpTasks(  # HTTP tasks authorize with EventBridge connections
            store, self.events.api_destination_deliverer.tokens, self.http, self.events.connections.with_secrets,
            self.events.connections.connection_authorized)
        starter = ExecutionStarter(self.stepfunctions)  # rules' state machine targets
        runtime.register_deliverer("states", starter)
        self.events.router.unit_targets["states"] = starter  # started in PutEvents' own unit of work
        # functions run as local worker processes; their code is unpacked per node under the data dir
        self.function_runner = WorkerPool(functions_dir(store))
        invocations = Invocations(store, runtime, self.function_runner, functions_dir(store), log_sink=self.log_sink,
                                  metrics=FunctionMetrics(metrics or CollectorRegistry()), wakeups=self.wakeups)
        invocations.role_credentials.issue = self.sts.session_for_role  # workers run as the execution role
        self.timers.every(RENEW_SECONDS, "lambda-concurrency-leases", invocations.concurrency.renew)
        self.functions = FunctionsService(store, self.jobs, self.function_runner, invocations)
        self.function_urls = FunctionUrls(invocations)  # served by web/ at each URL config's FunctionUrl
        self.event_source_mappings = EventSourceMappings(invocations, Invoker(self.resolve).invoke, self.jobs)
        self.timers.every(POLL_SECONDS, "lambda-event-source-mappings", self.event_source_mappings.poll)
        runtime.register_deliverer("lambda", FunctionDeliverer(invocations))  # async invokes, rules, topics
        runtime.register_origin("lambda", AsyncPolicy(invocations))
        runtime.register_origin(destinations.ORIGIN, destinations.ResultPolicy())  # destinations, dead letters
        self.handlers: dict[str, dict[str, Handler]] = {
            "events": self.events.operations(),
            "sqs": sqs.operations(),
            "sns": self.sns.operations(),
            "sts": _operations.bind(sts_service.OPERATIONS, self.sts),
            "secretsmanager": _operations.bind(secretsmanager_service.OPERATIONS, self.secretsmanager),
            "iam": _operations.bind(iam_service.OPERATIONS, self.iam),
            "stepfunctions": _operations.bind(stepfunctions_service.OPERATIONS, self.stepfunctions),
            "logs": _operations.bind(logs_service.OPERATIONS, self.logs),
            "lambda": _operations.bind(functions_service.OPERATIONS, self.functions, self.event_source_mappings),
        }

    def start(self) -> None:
        """Background work of this node, once: wake-ups from other nodes, the delivery
        outbox, and the jobs services registered (SQS upkeep, schedules, sweeps ...).
        Outbox rows left by a crash or another node are picked up from here on, before
        any request arrives."""
        self.wakeups.start(self.store)
        self.runtime.start()
        self.timers.start()
        self.jobs.start()

    async def stop(self) -> None:
        await self.jobs.stop()
        await self.timers.stop()
        await self.runtime.stop()
        await self.function_runner.close()
        await self.log_sink.close()  # the function logs still buffered
        await self.http.aclose()

    def resolve(self, service: str, operation: str) -> Handler | None:
        """The handler of ``operation`` (AWS's name) in ``service``'s table, or None."""
        table = self.handlers.get(service)
        return None if table is None else table.get(operation)


def functions_dir(store: Store) -> Path:
    """Where this node unpacks function code: beside a SQLite file, else in the temp folder."""
    if store.dialect == "sqlite" and store.url.startswith("sqlite:///") and ":memory:" not in store.url:
        return Path(store.url.removeprefix("sqlite:///")).resolve().parent / "functions"
    return Path(tempfile.gettempdir()) / f"eventyard-functions-{os.getuid()}"
