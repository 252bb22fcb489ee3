"""The client against a real twin server (TOKENSIM_SERVER): register, ingest with per-event outcomes, accuracy,
forecast, a plan from the deployment's live window, a what-if simulation, and the server's errors."""

import uuid

import grpc
import pytest

from tokensim_client import (
    Candidates, EngineSettings, LiveWindow, RateTraffic, Slo, TokenSimClient, TokenSimError, events,
)
from tokensim_client.v1 import deployments_pb2

# The production time of the first event. Any past time is accepted: the server refuses only events before the Unix
# epoch or more than 300 s ahead of the later of the deployment's clock and its own (docs/operations.md).
T0 = 1_700_000_000.0


@pytest.fixture(scope="module")
def client(server):
    with TokenSimClient(server) as c:
        yield c


@pytest.fixture(scope="module")
def deployment(client):
    """A 2-replica Llama-3.1-8B deployment that has seen 40 requests over 20 s, each arrived, scheduled, first
    token and finished, and an engine snapshot a second per replica."""
    name = f"py-{uuid.uuid4().hex[:8]}"
    info = client.register_deployment(name, model="llama-3.1-8b", hardware="a100-80g", replicas=2,
                                      perf_model="roofline", engine=EngineSettings(max_model_len=8192))
    assert info.spec.name == name and info.resolved_perf_model == "roofline" and info.kv_blocks > 0
    evs = []
    for i in range(40):
        at, replica, rid = T0 + i * 0.5, i % 2, f"r{i}"
        evs += [
            events.request_arrived(f"{rid}-a", name, replica, at, request_id=rid, prompt_tokens=300 + 10 * i, max_tokens=64),
            events.request_scheduled(f"{rid}-s", name, replica, at + 0.01, request_id=rid),
            events.first_token(f"{rid}-f", name, replica, at + 0.06, request_id=rid),
            events.request_finished(f"{rid}-e", name, replica, at + 0.06 + 63 * 0.012, request_id=rid, output_tokens=64),
        ]
    for s in range(20):
        for replica in (0, 1):
            evs.append(events.engine_snapshot(f"snap-{s}-{replica}", name, replica, T0 + s + 0.9, running=1, waiting=0,
                                              kv_cache_usage=0.01))
    evs.sort(key=lambda e: (e.produced_at.seconds, e.produced_at.nanos))
    result = client.ingest(evs, batch_size=50)
    assert result.invalid == 0 and result.late == 0, [o for o in result.outcomes if o.outcome != "APPLIED"][:5]
    assert result.applied == len(evs) == 200
    return name


def test_ingest_acknowledges_each_event(client, deployment):
    name = deployment
    again = events.request_arrived("r0-a", name, 0, T0, request_id="r0", prompt_tokens=300, max_tokens=64)
    # After every replica's clock (the last finish is at about T0 + 20.3 s): within any lateness bound.
    unknown = events.first_token("x-f", name, 1, T0 + 25, request_id="never-arrived")
    bad_replica = events.request_arrived("x-a", name, 7, T0 + 25, request_id="x", prompt_tokens=10, max_tokens=5)
    fresh = events.request_arrived("n-a", name, 1, T0 + 25.5, request_id="n", prompt_tokens=100, max_tokens=8)
    result = client.ingest([again, unknown, bad_replica, fresh])
    assert [(o.event_id, o.outcome) for o in result.outcomes] == [
        ("r0-a", "DUPLICATE"), ("x-f", "INVALID"), ("x-a", "INVALID"), ("n-a", "APPLIED")]
    assert (result.applied, result.duplicate, result.late, result.invalid) == (1, 1, 0, 2)
    assert all(o.reason for o in result.by_outcome("INVALID"))
    assert client.get_deployment(name).spec.replicas == 2


def test_accuracy_reports_the_requests_sent(client, deployment):
    report = client.accuracy(deployment)
    closed = [r for r in report.requests if r.HasField("observed_e2e_s")]
    assert len(closed) == 40
    assert all(r.HasField("predicted_ttft_s") for r in closed)
    assert report.totals.requests_closed == 40


def test_accuracy_pages_hold_every_record_once(client, deployment):
    whole = client.accuracy(deployment, page_size=10_000)
    assert not whole.next_page_token
    pages = list(client.accuracy_pages(deployment, page_size=7))
    # 40 or 41 records (the fresh one when test_ingest_... ran first) over two replicas: six or more pages of 7.
    assert len(pages) >= 6 and all(len(p.requests) <= 7 for p in pages)
    assert all(p.next_page_token for p in pages[:-1]) and not pages[-1].next_page_token
    ids = [(r.replica, r.request_id) for p in pages for r in p.requests]
    assert ids == [(r.replica, r.request_id) for r in whole.requests]
    assert len(set(ids)) == len(ids) >= 40
    # replicas and totals come with the first page only
    assert len(pages[0].replicas) == 2 and pages[0].totals.requests_closed == 40
    assert not pages[1].replicas and not pages[1].HasField("totals")
    joined = client.accuracy(deployment, page_size=7)
    assert [(r.replica, r.request_id) for r in joined.requests] == ids and joined.totals.requests_closed == 40


def test_accuracy_refuses_a_page_token_it_did_not_give(client, deployment):
    for token in ("not-a-token", "r9.0", "r0.-1"):
        with pytest.raises(TokenSimError) as e:
            client._call("Deployments.GetAccuracy", client._deployments.GetAccuracy,
                         deployments_pb2.GetAccuracyRequest(deployment=deployment, page_token=token), 10)
        assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT, token
        assert "page_token" in e.value.details, e.value.details


def test_forecast_runs_the_live_state_ahead(client, deployment):
    reply = client.forecast(deployment, 10, step_s=2, traffic_multiplier=1.5, seeds=4)
    assert reply.deployment == deployment and reply.seeds == 4 and reply.traffic_multiplier == 1.5
    assert [round(s.ahead_s, 6) for s in reply.step_totals] == [2, 4, 6, 8, 10]
    assert [r.replica for r in reply.replicas] == [0, 1]
    assert all(r.traffic.rate_per_s > 0 for r in reply.replicas)
    assert reply.simulated_steps > 0


def test_plan_from_the_live_window(client, deployment):
    progress = []
    result = client.plan(
        LiveWindow(deployment, window_s=0), Slo(ttft_s=0.5, tpot_s=0.05, percentile=0.9),
        Candidates(hardware=["a100-80g", "l40s"], cost_per_gpu_hour={"a100-80g": 1.8, "l40s": 1.0}, max_replicas=3),
        base={"model": "llama-3.1-8b", "max-model-len": "8192", "seed": "1"}, growth=4, on_progress=progress.append)
    # Every arrival the replicas recorded: the 40 lifecycles, and the fresh one when test_ingest_... ran first.
    arrived = sum(1 for r in client.accuracy(deployment).requests if r.arrival_observed)
    assert arrived >= 40
    assert result.traffic_requests == arrived
    assert f"deployment '{deployment}'" in result.traffic_description
    assert result.found and result.best.meets_slo
    assert result.best.hardware in ("a100-80g", "l40s") and 1 <= result.best.replicas <= 3
    assert len(progress) == result.simulated_count >= 1
    assert all(c.requests == arrived for c in result.simulated if not c.error)
    cheapest = min(c.cost_per_hour for c in result.simulated if c.meets_slo)
    assert result.best.cost_per_hour == cheapest


def test_simulate_returns_the_summary(client):
    r = client.simulate({"model": "llama-3.1-8b", "hardware": "a100-80g", "replicas": 1, "max-model-len": 8192,
                         "seed": 7, "workload": "poisson:rate=4,n=50,lengths=azure-conv"})
    assert r.summary["requests"] == 50
    assert r.summary["ttft_s"]["p50"] > 0 and r.summary["throughput"]["requests_per_s"] > 0
    assert "50" in r.workload_description


def test_server_errors_are_clear_and_not_retried(client):
    with pytest.raises(TokenSimError) as e:
        client.ingest([events.first_token("e", "no-such-deployment", 0, T0, request_id="r")])
    assert e.value.code == grpc.StatusCode.NOT_FOUND and e.value.attempts == 1
    assert str(e.value).startswith("Ingest.IngestBatch failed: NOT_FOUND: ")
    with pytest.raises(TokenSimError) as e:
        client.plan(RateTraffic(rate=2, duration_s=10), Slo(ttft_s=1), Candidates(hardware=["a100-80g"], cost_per_gpu_hour={}),
                    base={"replicas": "3"})
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(TokenSimError) as e:
        client.forecast("no-such-deployment", 5)
    assert e.value.code == grpc.StatusCode.NOT_FOUND


def test_api_key_is_sent_and_a_missing_or_wrong_key_is_not_retried(keyed_server, monkeypatch):
    target, key = keyed_server
    monkeypatch.delenv("TOKENSIM_API_KEY", raising=False)
    for wrong in (None, "not-the-key"):
        with TokenSimClient(target, api_key=wrong, sleep=lambda s: None) as c:
            with pytest.raises(TokenSimError) as e:
                c.get_deployment("anything")
        assert e.value.code == grpc.StatusCode.UNAUTHENTICATED and e.value.attempts == 1
        assert "x-api-key" in e.value.details
    with TokenSimClient(target, api_key=key) as c:
        name = f"py-key-{uuid.uuid4().hex[:8]}"
        assert c.register_deployment(name, model="llama-3.1-8b", hardware="a100-80g").spec.name == name
        monkeypatch.setenv("TOKENSIM_API_KEY", key)
    with TokenSimClient(target) as c:   # the key from TOKENSIM_API_KEY
        assert c.get_deployment(name).spec.replicas == 1
