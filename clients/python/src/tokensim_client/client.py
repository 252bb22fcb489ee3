"""TokenSimClient: a small typed wrapper over the twin's gRPC contract (protos/tokensim/v1)."""

from __future__ import annotations

import json
import os
import random
import time
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Tuple, TypeVar

import grpc

from tokensim_client.types import (
    Arrivals, Candidates, EngineSettings, IngestResult, SimulateResult, Slo, Traffic, traffic_to_proto,
)
from tokensim_client.v1 import (
    deployments_pb2, deployments_pb2_grpc, events_pb2, forecast_pb2, forecast_pb2_grpc, ingest_pb2,
    ingest_pb2_grpc, plan_pb2, plan_pb2_grpc,
)

T = TypeVar("T")

#: The server refuses a larger IngestBatch (INVALID_ARGUMENT); :meth:`TokenSimClient.ingest` splits into batches of it.
MAX_BATCH_EVENTS = 1000


class TokenSimError(Exception):
    """A call the server answered with an error status (or that stayed UNAVAILABLE after every retry).

    ``code`` is the :class:`grpc.StatusCode`, ``details`` the server's one-line reason, ``method`` the RPC
    (``Ingest.IngestBatch``) and ``attempts`` the calls made.
    """

    def __init__(self, method: str, code: grpc.StatusCode, details: str, attempts: int = 1):
        self.method, self.code, self.details, self.attempts = method, code, details, attempts
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"{method} failed{tries}: {code.name}: {details}")


class TokenSimClient:
    """A client of a TokenSim twin server (``TokenSim.Server``'s gRPC port, 127.0.0.1:7100 by default).

    ``target`` is ``host:port`` or a URL (``http://host:port``; ``https://`` uses TLS with the system's roots).
    ``api_key`` (default: the ``TOKENSIM_API_KEY`` variable) is sent as ``x-api-key`` on every call, as the server
    requires when it runs with ``--api-key``. A call answered UNAVAILABLE (a silo failed, storage is restarting, the
    server is not up yet) is retried up to ``retries`` more times, waiting ``backoff_s`` doubled each time (with
    jitter, at most ``max_backoff_s``); other errors raise :class:`TokenSimError` at once. Retrying an ingest is safe:
    the twin deduplicates by event id, so events a failed attempt had applied come back DUPLICATE.
    """

    def __init__(self, target: str = "127.0.0.1:7100", *, api_key: Optional[str] = None, retries: int = 4,
                 backoff_s: float = 0.2, max_backoff_s: float = 5.0, timeout_s: Optional[float] = 60.0,
                 channel: Optional[grpc.Channel] = None, sleep: Callable[[float], None] = time.sleep):
        if retries < 0:
            raise ValueError(f"retries must be 0 or more (got {retries})")
        self.retries, self.backoff_s, self.max_backoff_s, self.timeout_s = retries, backoff_s, max_backoff_s, timeout_s
        self._sleep = sleep
        key = api_key if api_key is not None else os.environ.get("TOKENSIM_API_KEY")
        self._metadata = (("x-api-key", key),) if key else ()
        options = [("grpc.max_receive_message_length", 64 * 1024 * 1024)]
        if channel is not None:
            self._channel = channel
        elif target.startswith("https://"):
            self._channel = grpc.secure_channel(target[len("https://"):].rstrip("/"), grpc.ssl_channel_credentials(), options)
        else:
            self._channel = grpc.insecure_channel(target.removeprefix("http://").rstrip("/"), options)
        self._ingest = ingest_pb2_grpc.IngestStub(self._channel)
        self._deployments = deployments_pb2_grpc.DeploymentsStub(self._channel)
        self._forecasting = forecast_pb2_grpc.ForecastingStub(self._channel)
        self._planning = plan_pb2_grpc.PlanningStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "TokenSimClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---- calls, retries and errors ----------------------------------------------------------------------------

    def _call(self, method: str, fn: Callable[..., T], request: Any, timeout_s: Optional[float]) -> Tuple[T, int]:
        """Calls ``fn(request)``, retrying UNAVAILABLE; returns the reply and the attempts it took."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn(request, timeout=timeout_s, metadata=self._metadata), attempt
            except grpc.RpcError as e:
                code = e.code() if hasattr(e, "code") else grpc.StatusCode.UNKNOWN
                details = (e.details() if hasattr(e, "details") else None) or str(e)
                if code != grpc.StatusCode.UNAVAILABLE or attempt > self.retries:
                    raise TokenSimError(method, code, details, attempt) from None
                self._sleep(self._backoff(attempt))

    def _backoff(self, attempt: int) -> float:
        base = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
        return base * random.uniform(0.5, 1.0)

    def _timeout(self, timeout_s: Optional[float]) -> Optional[float]:
        return self.timeout_s if timeout_s is None else timeout_s

    # ---- Deployments --------------------------------------------------------------------------------------------

    def register_deployment(self, name: str, *, model: str, hardware: str, replicas: int = 1,
                            tensor_parallel: int = 1, engine: Optional[EngineSettings] = None, scheduler: str = "",
                            perf_model: str = "", timeout_s: Optional[float] = None) -> deployments_pb2.DeploymentInfo:
        """Registers (or replaces, while it has applied no event) a deployment of ``replicas`` identical engines."""
        spec = deployments_pb2.DeploymentSpec(name=name, model=model, hardware=hardware, replicas=replicas,
                                              tensor_parallel=tensor_parallel, scheduler=scheduler,
                                              perf_model=perf_model)
        if engine is not None:
            spec.engine.CopyFrom(engine.to_proto())
        reply, _ = self._call("Deployments.RegisterDeployment", self._deployments.RegisterDeployment,
                              deployments_pb2.RegisterDeploymentRequest(spec=spec), self._timeout(timeout_s))
        return reply

    def get_deployment(self, name: str, *, timeout_s: Optional[float] = None) -> deployments_pb2.DeploymentInfo:
        """The registered spec, the resolved perf model, KV blocks per replica and the events applied."""
        reply, _ = self._call("Deployments.GetDeployment", self._deployments.GetDeployment,
                              deployments_pb2.GetDeploymentRequest(name=name), self._timeout(timeout_s))
        return reply

    def accuracy(self, deployment: str, *, page_size: int = 0,
                 timeout_s: Optional[float] = None) -> deployments_pb2.AccuracyReport:
        """Per-request predictions (frozen at arrival) against what production observed: every record the replicas
        keep, by replica then arrival, with each replica's tracking and the totals.

        The server answers in pages (``page_size`` records each; 0 takes its default of 1,000, and it caps a page at
        10,000); this follows ``next_page_token`` until the last page and returns them joined in one report, each
        record once. For a very large deployment, :meth:`accuracy_pages` yields the pages instead."""
        report: Optional[deployments_pb2.AccuracyReport] = None
        for page in self.accuracy_pages(deployment, page_size=page_size, timeout_s=timeout_s):
            if report is None:
                report = page
            else:
                report.requests.extend(page.requests)
        assert report is not None  # accuracy_pages yields at least the first page
        report.next_page_token = ""
        return report

    def accuracy_pages(self, deployment: str, *, page_size: int = 0,
                       timeout_s: Optional[float] = None) -> Iterator[deployments_pb2.AccuracyReport]:
        """GetAccuracy's pages in order, as the server gives them: the first carries ``replicas`` and ``totals``."""
        if page_size < 0:
            raise ValueError(f"page_size must be 0 (the server's default) or positive (got {page_size})")
        token = ""
        while True:
            page, _ = self._call("Deployments.GetAccuracy", self._deployments.GetAccuracy,
                                 deployments_pb2.GetAccuracyRequest(deployment=deployment, page_size=page_size,
                                                                    page_token=token), self._timeout(timeout_s))
            yield page
            token = page.next_page_token
            if not token:
                return

    # ---- Ingest -------------------------------------------------------------------------------------------------

    def ingest(self, events: Iterable[events_pb2.Event], *, batch_size: int = MAX_BATCH_EVENTS,
               timeout_s: Optional[float] = None) -> IngestResult:
        """Sends events (``tokensim_client.events`` builds them) in batches of at most ``batch_size`` and returns
        every event's outcome in the order sent. A batch answered UNAVAILABLE is sent again as it was."""
        if not 1 <= batch_size <= MAX_BATCH_EVENTS:
            raise ValueError(f"batch_size must be 1 to {MAX_BATCH_EVENTS} (got {batch_size})")
        result = IngestResult()
        batch = ingest_pb2.IngestBatchRequest()

        def send() -> None:
            ack, attempts = self._call("Ingest.IngestBatch", self._ingest.IngestBatch, batch, self._timeout(timeout_s))
            result.add(ack)
            result.attempts += attempts
            del batch.events[:]

        for e in events:
            batch.events.append(e)
            if len(batch.events) == batch_size:
                send()
        if len(batch.events) > 0:
            send()
        return result

    # ---- Forecasting --------------------------------------------------------------------------------------------

    def forecast(self, deployment: str, horizon_s: float, *, step_s: Optional[float] = None,
                 traffic_multiplier: Optional[float] = None, replica_delta: int = 0, seeds: Optional[int] = None,
                 timeout_s: Optional[float] = None) -> forecast_pb2.ForecastReply:
        """Forks every replica's live simulated state and runs it ``horizon_s`` seconds ahead under the learned
        traffic (times ``traffic_multiplier``, over ``replica_delta`` more or fewer replicas), over ``seeds`` draws."""
        request = forecast_pb2.ForecastRequest(deployment=deployment, horizon_s=horizon_s, replica_delta=replica_delta)
        if step_s is not None:
            request.step_s = step_s
        if traffic_multiplier is not None:
            request.traffic_multiplier = traffic_multiplier
        if seeds is not None:
            request.seeds = seeds
        reply, _ = self._call("Forecasting.Forecast", self._forecasting.Forecast, request, self._timeout(timeout_s))
        return reply

    def forecast_scores(self, deployment: str, *, timeout_s: Optional[float] = None) -> forecast_pb2.ForecastScores:
        """How the forecasts the twin scores on the production clock did, per metric and horizon."""
        reply, _ = self._call("Forecasting.GetForecastScores", self._forecasting.GetForecastScores,
                              forecast_pb2.GetForecastScoresRequest(deployment=deployment), self._timeout(timeout_s))
        return reply

    # ---- Planning -----------------------------------------------------------------------------------------------

    def plan(self, traffic: Traffic, slo: Slo, candidates: Candidates, *, base: Optional[Mapping[str, str]] = None,
             growth: float = 1.0, exhaustive: bool = False,
             on_progress: Optional[Callable[[plan_pb2.PlanProgress], None]] = None,
             timeout_s: Optional[float] = None) -> plan_pb2.PlanResult:
        """The cheapest candidate that meets ``slo`` on ``traffic`` (times ``growth``), and the cost-latency frontier.

        ``base`` holds the ``tokensim simulate`` options every candidate shares (model, max-model-len, seed, ...).
        ``on_progress`` sees each progress update the server streams. ``timeout_s`` defaults to none: a plan can
        take minutes. UNAVAILABLE before the first update is retried; after it, the plan has started and the error
        is raised.
        """
        request = plan_pb2.PlanRequest(base=dict(base or {}), traffic=traffic_to_proto(traffic, growth),
                                       slo=slo.to_proto(), candidates=candidates.to_proto(), exhaustive=exhaustive)
        started = False

        def run(req: plan_pb2.PlanRequest, timeout: Optional[float], metadata: Any) -> plan_pb2.PlanResult:
            nonlocal started
            result = None
            try:
                for update in self._planning.Plan(req, timeout=timeout, metadata=metadata):
                    started = True
                    if update.WhichOneof("update") == "progress":
                        if on_progress is not None:
                            on_progress(update.progress)
                    else:
                        result = update.result
            except grpc.RpcError as e:
                if started and e.code() == grpc.StatusCode.UNAVAILABLE:
                    raise TokenSimError("Planning.Plan", e.code(), f"{e.details()} (the plan had started; not retried)") from None
                raise
            if result is None:
                raise TokenSimError("Planning.Plan", grpc.StatusCode.INTERNAL, "the stream ended without a result")
            return result

        reply, _ = self._call("Planning.Plan", run, request, timeout_s)
        return reply

    def simulate(self, options: Mapping[str, Any], *, arrivals: Optional[Arrivals] = None,
                 timeout_s: Optional[float] = None) -> SimulateResult:
        """One what-if run on the server: ``options`` are ``tokensim simulate`` options by name (model, hardware,
        tp, replicas, scheduler, workload, seed, ...); ``arrivals``, when given, is the workload."""
        request = plan_pb2.SimulateRequest(options={k: _option(v) for k, v in options.items()})
        if arrivals is not None:
            request.arrivals.CopyFrom(arrivals.to_proto())
        reply, _ = self._call("Planning.Simulate", self._planning.Simulate, request, self._timeout(timeout_s))
        return SimulateResult(json.loads(reply.summary_json), reply.workload_description, list(reply.notes))


def _option(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

