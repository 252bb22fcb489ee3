"""Typed inputs and results of :class:`tokensim_client.TokenSimClient`; each maps to one message of the contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from tokensim_client.v1 import deployments_pb2, ingest_pb2, plan_pb2


@dataclass(frozen=True)
class EngineSettings:
    """vLLM engine settings; None takes vLLM's default for the model and GPU (deployments.proto EngineSettings)."""
    max_num_seqs: Optional[int] = None
    max_num_batched_tokens: Optional[int] = None
    block_size: Optional[int] = None
    kv_blocks: Optional[int] = None
    max_model_len: Optional[int] = None
    enable_prefix_caching: Optional[bool] = None
    gpu_memory_utilization: Optional[float] = None

    def to_proto(self) -> deployments_pb2.EngineSettings:
        return deployments_pb2.EngineSettings(**{k: v for k, v in self.__dict__.items() if v is not None})


@dataclass(frozen=True)
class LiveWindow:
    """The arrivals a registered deployment's replicas recorded in the last ``window_s`` seconds of its clock
    (0 = all recorded)."""
    deployment: str
    window_s: float = 0.0


@dataclass(frozen=True)
class RateTraffic:
    """Poisson arrivals at ``rate`` req/s for ``duration_s`` seconds; ``lengths`` azure-conv (default), azure-code, or
    ``input=L,output=L``."""
    rate: float
    duration_s: float
    lengths: str = ""


@dataclass(frozen=True)
class Arrivals:
    """Requests given one by one: arrival second, prompt and output tokens (equal lengths)."""
    arrival_s: Sequence[float]
    prompt_tokens: Sequence[int]
    output_tokens: Sequence[int]
    description: str = ""

    def to_proto(self) -> plan_pb2.Arrivals:
        if not len(self.arrival_s) == len(self.prompt_tokens) == len(self.output_tokens):
            raise ValueError("Arrivals: arrival_s, prompt_tokens and output_tokens must have equal lengths "
                             f"(got {len(self.arrival_s)}, {len(self.prompt_tokens)}, {len(self.output_tokens)})")
        return plan_pb2.Arrivals(arrival_s=list(self.arrival_s), prompt_tokens=list(self.prompt_tokens),
                                 output_tokens=list(self.output_tokens), description=self.description)


Traffic = Union[LiveWindow, RateTraffic, Arrivals]


@dataclass(frozen=True)
class Slo:
    """Percentile form (TTFT and TPOT at ``percentile`` within the limits) or, with ``attainment``, goodput form.
    Seconds; a None limit is not checked."""
    ttft_s: Optional[float] = None
    tpot_s: Optional[float] = None
    percentile: Optional[float] = None
    attainment: Optional[float] = None

    def to_proto(self) -> plan_pb2.Slo:
        return plan_pb2.Slo(**{k: v for k, v in self.__dict__.items() if v is not None})


@dataclass(frozen=True)
class Candidates:
    """Every hardware x tensor_parallel x scheduler x replica count from min_replicas to max_replicas, priced per
    GPU-hour by ``cost_per_gpu_hour`` (one price per hardware listed)."""
    hardware: Sequence[str]
    cost_per_gpu_hour: Mapping[str, float]
    tensor_parallel: Sequence[int] = (1,)
    scheduler: Sequence[str] = ()
    min_replicas: int = 1
    max_replicas: int = 8

    def to_proto(self) -> plan_pb2.CandidateSpace:
        return plan_pb2.CandidateSpace(hardware=list(self.hardware), tensor_parallel=list(self.tensor_parallel),
                                       scheduler=list(self.scheduler), min_replicas=self.min_replicas,
                                       max_replicas=self.max_replicas, cost_per_gpu_hour=dict(self.cost_per_gpu_hour))


def traffic_to_proto(traffic: Traffic, growth: float) -> plan_pb2.Traffic:
    t = plan_pb2.Traffic(growth=growth)
    if isinstance(traffic, LiveWindow):
        t.live.deployment = traffic.deployment
        t.live.window_s = traffic.window_s
    elif isinstance(traffic, RateTraffic):
        t.rate.rate = traffic.rate
        t.rate.duration_s = traffic.duration_s
        t.rate.lengths = traffic.lengths
    elif isinstance(traffic, Arrivals):
        t.arrivals.CopyFrom(traffic.to_proto())
    else:
        raise TypeError(f"traffic must be LiveWindow, RateTraffic or Arrivals (got {type(traffic).__name__})")
    return t


OUTCOMES = {
    ingest_pb2.OUTCOME_APPLIED: "APPLIED",
    ingest_pb2.OUTCOME_DUPLICATE: "DUPLICATE",
    ingest_pb2.OUTCOME_LATE: "LATE",
    ingest_pb2.OUTCOME_INVALID: "INVALID",
}


@dataclass(frozen=True)
class EventOutcome:
    """What became of one event: APPLIED, DUPLICATE, LATE or INVALID, with the reason for LATE and INVALID."""
    event_id: str
    outcome: str
    reason: str = ""


@dataclass
class IngestResult:
    """The acknowledgements of every event sent, in the order sent, and the counts per outcome."""
    outcomes: List[EventOutcome] = field(default_factory=list)
    applied: int = 0
    duplicate: int = 0
    late: int = 0
    invalid: int = 0
    # Calls made, retries of UNAVAILABLE included.
    attempts: int = 0

    def add(self, ack: ingest_pb2.IngestAck) -> None:
        self.outcomes.extend(EventOutcome(o.event_id, OUTCOMES.get(o.outcome, "UNSPECIFIED"), o.reason)
                             for o in ack.outcomes)
        self.applied += ack.applied
        self.duplicate += ack.duplicate
        self.late += ack.late
        self.invalid += ack.invalid

    def by_outcome(self, outcome: str) -> List[EventOutcome]:
        return [o for o in self.outcomes if o.outcome == outcome]


@dataclass(frozen=True)
class SimulateResult:
    """One what-if run: ``summary`` is the JSON document ``tokensim simulate --json`` writes, parsed."""
    summary: Dict[str, Any]
    workload_description: str
    notes: List[str]
