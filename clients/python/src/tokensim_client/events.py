"""Builders for the production events of protos/tokensim/v1/events.proto.

Each returns a ``tokensim.v1.Event`` message ready for :meth:`TokenSimClient.ingest`. ``at`` is when the event
happened in production: a timezone-aware :class:`datetime.datetime`, or seconds since the Unix epoch.
"""

from __future__ import annotations

import datetime as _dt
from typing import Optional, Sequence, Union

from tokensim_client.v1 import events_pb2

Timestamp = Union[_dt.datetime, float, int]

__all__ = [
    "request_arrived", "request_scheduled", "first_token", "tokens_progress", "request_finished",
    "request_aborted", "request_preempted", "engine_snapshot",
]


def _event(event_id: str, deployment: str, replica: int, at: Timestamp) -> events_pb2.Event:
    if not event_id:
        raise ValueError("event_id must be 1 to 128 characters")
    e = events_pb2.Event(event_id=event_id, deployment=deployment, replica=replica)
    if isinstance(at, _dt.datetime):
        if at.tzinfo is None:
            raise ValueError("at must be timezone-aware (a naive datetime has no production instant)")
        e.produced_at.FromDatetime(at.astimezone(_dt.timezone.utc).replace(tzinfo=None))
    else:
        seconds = float(at)
        whole = int(seconds // 1)
        e.produced_at.seconds = whole
        e.produced_at.nanos = min(int(round((seconds - whole) * 1e9)), 999_999_999)
    return e


def request_arrived(event_id: str, deployment: str, replica: int, at: Timestamp, *, request_id: str,
                    prompt_tokens: int, max_tokens: int, prefix_block_hashes: Sequence[int] = (),
                    prompt_token_ids: Sequence[int] = (), frontend_arrival: bool = False) -> events_pb2.Event:
    """The engine queued a request (vLLM's ``queued_ts``), or a front end received it (``frontend_arrival``)."""
    e = _event(event_id, deployment, replica, at)
    e.request_arrived.request_id = request_id
    e.request_arrived.prompt_tokens = prompt_tokens
    e.request_arrived.max_tokens = max_tokens
    e.request_arrived.prefix_block_hashes.extend(prefix_block_hashes)
    e.request_arrived.prompt_token_ids.extend(prompt_token_ids)
    e.request_arrived.frontend_arrival = frontend_arrival
    return e


def request_scheduled(event_id: str, deployment: str, replica: int, at: Timestamp, *, request_id: str) -> events_pb2.Event:
    """The scheduler first admitted the request into a batch (vLLM's ``scheduled_ts``)."""
    e = _event(event_id, deployment, replica, at)
    e.request_scheduled.request_id = request_id
    return e


def first_token(event_id: str, deployment: str, replica: int, at: Timestamp, *, request_id: str) -> events_pb2.Event:
    """The request's first output token (vLLM's ``first_token_ts``)."""
    e = _event(event_id, deployment, replica, at)
    e.first_token.request_id = request_id
    return e


def tokens_progress(event_id: str, deployment: str, replica: int, at: Timestamp, *, request_id: str,
                    output_tokens: int) -> events_pb2.Event:
    """The request has produced ``output_tokens`` tokens so far."""
    e = _event(event_id, deployment, replica, at)
    e.tokens_progress.request_id = request_id
    e.tokens_progress.output_tokens = output_tokens
    return e


def request_finished(event_id: str, deployment: str, replica: int, at: Timestamp, *, request_id: str,
                     output_tokens: int) -> events_pb2.Event:
    """The request finished normally (vLLM's ``last_token_ts``) after ``output_tokens`` tokens."""
    e = _event(event_id, deployment, replica, at)
    e.request_finished.request_id = request_id
    e.request_finished.output_tokens = output_tokens
    return e


def request_aborted(event_id: str, deployment: str, replica: int, at: Timestamp, *, request_id: str) -> events_pb2.Event:
    """The request was withdrawn before it finished."""
    e = _event(event_id, deployment, replica, at)
    e.request_aborted.request_id = request_id
    return e


def request_preempted(event_id: str, deployment: str, replica: int, at: Timestamp, *, request_id: str) -> events_pb2.Event:
    """The engine preempted the request (its KV freed; it will be recomputed)."""
    e = _event(event_id, deployment, replica, at)
    e.request_preempted.request_id = request_id
    return e


def engine_snapshot(event_id: str, deployment: str, replica: int, at: Timestamp, *, running: int, waiting: int,
                    kv_cache_usage: Optional[float] = None, kv_blocks_total: Optional[int] = None) -> events_pb2.Event:
    """The engine's state as vLLM's /metrics exports it (``kv_cache_usage`` a fraction; None = not reported)."""
    e = _event(event_id, deployment, replica, at)
    e.engine_snapshot.running = running
    e.engine_snapshot.waiting = waiting
    if kv_cache_usage is not None:
        e.engine_snapshot.kv_cache_usage = kv_cache_usage
    if kv_blocks_total is not None:
        e.engine_snapshot.kv_blocks_total = kv_blocks_total
    return e
