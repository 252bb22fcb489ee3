"""A Python client of the TokenSim digital twin (protos/tokensim/v1): register deployments, ingest production events,
forecast, plan capacity and run what-if simulations on a twin server.

The generated protobuf and gRPC stubs are in ``tokensim_client.v1`` (``ingest_pb2``, ``plan_pb2_grpc``, ...).
"""

from tokensim_client import events
from tokensim_client.client import MAX_BATCH_EVENTS, TokenSimClient, TokenSimError
from tokensim_client.types import (
    Arrivals, Candidates, EngineSettings, EventOutcome, IngestResult, LiveWindow, RateTraffic, SimulateResult, Slo,
)

__version__ = "0.1.0"

__all__ = [
    "TokenSimClient", "TokenSimError", "MAX_BATCH_EVENTS", "events",
    "Arrivals", "Candidates", "EngineSettings", "EventOutcome", "IngestResult", "LiveWindow", "RateTraffic",
    "SimulateResult", "Slo",
]
