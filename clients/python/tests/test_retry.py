"""Retries on UNAVAILABLE, the API key and errors, against a tiny in-process gRPC server (no twin needed)."""

from concurrent import futures

import grpc
import pytest

from tokensim_client import TokenSimClient, TokenSimError, events
from tokensim_client.v1 import ingest_pb2, ingest_pb2_grpc


class FlakyIngest(ingest_pb2_grpc.IngestServicer):
    """Answers UNAVAILABLE to the first `failures` calls, then acknowledges every event APPLIED."""

    def __init__(self, failures: int, code: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE):
        self.failures, self.code = failures, code
        self.calls = 0
        self.keys = []
        self.batches = []

    def IngestBatch(self, request, context):
        self.calls += 1
        self.keys.append(dict(context.invocation_metadata()).get("x-api-key"))
        self.batches.append([e.event_id for e in request.events])
        if self.calls <= self.failures:
            context.abort(self.code, f"silo unavailable (call {self.calls})")
        ack = ingest_pb2.IngestAck(applied=len(request.events))
        for e in request.events:
            ack.outcomes.add(event_id=e.event_id, outcome=ingest_pb2.OUTCOME_APPLIED)
        return ack


@pytest.fixture
def fake():
    servers = []

    def start(servicer):
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        ingest_pb2_grpc.add_IngestServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        servers.append(server)
        return f"127.0.0.1:{port}"

    yield start
    for s in servers:
        s.stop(None)


def arrivals(n):
    return [events.request_arrived(f"e{i}", "d", 0, 1_780_000_000 + i, request_id=f"r{i}", prompt_tokens=10,
                                   max_tokens=5) for i in range(n)]


def test_ingest_retries_unavailable_twice_then_succeeds(fake):
    flaky = FlakyIngest(failures=2)
    waits = []
    with TokenSimClient(fake(flaky), api_key="k3y", backoff_s=0.1, sleep=waits.append) as client:
        result = client.ingest(arrivals(3))
    assert flaky.calls == 3
    assert result.attempts == 3
    assert result.applied == 3 and [o.outcome for o in result.outcomes] == ["APPLIED"] * 3
    # The same batch each time, with the key each time; backoff doubles (with jitter in [0.5, 1] of it).
    assert flaky.batches == [["e0", "e1", "e2"]] * 3
    assert flaky.keys == ["k3y"] * 3
    assert len(waits) == 2 and 0.05 <= waits[0] <= 0.1 and 0.1 <= waits[1] <= 0.2


def test_retries_are_bounded(fake):
    flaky = FlakyIngest(failures=100)
    with TokenSimClient(fake(flaky), retries=3, sleep=lambda s: None) as client:
        with pytest.raises(TokenSimError) as e:
            client.ingest(arrivals(1))
    assert flaky.calls == 4
    assert e.value.code == grpc.StatusCode.UNAVAILABLE and e.value.attempts == 4
    assert str(e.value) == "Ingest.IngestBatch failed after 4 attempts: UNAVAILABLE: silo unavailable (call 4)"


def test_other_errors_are_not_retried(fake):
    flaky = FlakyIngest(failures=1, code=grpc.StatusCode.UNAUTHENTICATED)
    with TokenSimClient(fake(flaky), sleep=lambda s: None) as client:
        with pytest.raises(TokenSimError) as e:
            client.ingest(arrivals(1))
    assert flaky.calls == 1
    assert e.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert str(e.value) == "Ingest.IngestBatch failed: UNAUTHENTICATED: silo unavailable (call 1)"


def test_ingest_splits_into_batches_the_server_takes(fake):
    flaky = FlakyIngest(failures=0)
    with TokenSimClient(fake(flaky)) as client:
        result = client.ingest(arrivals(2500))
    assert [len(b) for b in flaky.batches] == [1000, 1000, 500]
    assert result.applied == 2500 and len(result.outcomes) == 2500
    with pytest.raises(ValueError):
        TokenSimClient(fake(flaky)).ingest(arrivals(1), batch_size=1001)


def test_api_key_defaults_to_the_environment(fake, monkeypatch):
    monkeypatch.setenv("TOKENSIM_API_KEY", "from-env")
    flaky = FlakyIngest(failures=0)
    with TokenSimClient("http://" + fake(flaky)) as client:
        client.ingest(arrivals(1))
    assert flaky.keys == ["from-env"]


def test_naive_datetimes_are_refused():
    import datetime
    with pytest.raises(ValueError, match="timezone-aware"):
        events.first_token("e", "d", 0, datetime.datetime(2026, 1, 1), request_id="r")
    e = events.first_token("e", "d", 0, datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc), request_id="r")
    assert e.produced_at.seconds == 1_767_225_600 and e.WhichOneof("payload") == "first_token"
