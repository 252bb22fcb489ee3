#!/usr/bin/env python3
"""A vLLM KV-event subscriber built on pyzmq and msgpack, the libraries vLLM's own consumers use.

Used by KvEventsPythonTests: it subscribes, prints "ready", collects batches until it reads "done" on stdin and
the stream has been quiet for a second, asks the replay socket for the batches from the middle seq on, and prints
one JSON object with what it decoded and the checks it made. Events may be positional arrays (vLLM <= 0.19) or
maps with a "type" key (later vLLM).
"""
import argparse
import json
import select
import sys
import time

import msgpack
import zmq

STORED_FIELDS = ["block_hashes", "parent_block_hash", "token_ids", "block_size", "lora_id", "medium", "lora_name", "extra_keys"]


def as_event(e):
    """Returns (tag, fields dict) for an array- or map-encoded event."""
    if isinstance(e, dict):
        return e["type"], e
    tag, rest = e[0], e[1:]
    names = {"BlockStored": STORED_FIELDS, "BlockRemoved": ["block_hashes", "medium"], "AllBlocksCleared": []}[tag]
    return tag, dict(zip(names, rest))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pub", required=True)
    ap.add_argument("--replay", required=True)
    ap.add_argument("--topic", default="")
    ap.add_argument("--quiet", type=float, default=1.0)
    args = ap.parse_args()

    ctx = zmq.Context.instance()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt_string(zmq.SUBSCRIBE, args.topic)
    sub.connect(args.pub)
    # DEALER, not REQ: a REQ socket takes a single reply per request, and a replay answers with many messages.
    # The ROUTER expects [identity, empty, start]; DEALER must add the empty delimiter itself and gets it back.
    req = ctx.socket(zmq.DEALER)
    req.connect(args.replay)
    time.sleep(0.5)  # PUB/SUB joins asynchronously: let the subscription reach the publisher first
    print("ready", flush=True)

    live = []  # (seq, payload bytes)
    errors = []
    done = False
    last = time.monotonic()
    while True:
        if sub.poll(50):
            topic, seq, payload = sub.recv_multipart()
            if topic != args.topic.encode():
                errors.append(f"topic {topic!r}")
            live.append((int.from_bytes(seq, "big"), payload))
            last = time.monotonic()
        if not done and select.select([sys.stdin], [], [], 0)[0]:
            done = sys.stdin.readline().strip() == "done"
            last = time.monotonic()
        if done and time.monotonic() - last > args.quiet:
            break

    seqs = [s for s, _ in live]
    cache, ever, ranks = set(), set(), set()
    counts = {"BlockStored": 0, "BlockRemoved": 0, "AllBlocksCleared": 0}
    first_blocks = []  # token ids of blocks that start a chain
    now = time.time()
    for seq, payload in live:
        batch = msgpack.unpackb(payload, raw=False)
        ts, events, rank = batch[0], batch[1], batch[2]
        ranks.add(rank)
        if not isinstance(ts, float) or abs(now - ts) > 120:
            errors.append(f"seq {seq}: ts {ts!r} is not a recent time.time()")
        if not events:
            errors.append(f"seq {seq}: empty batch")
        for e in events:
            tag, f = as_event(e)
            counts[tag] += 1
            if tag == "BlockStored":
                hashes, parent, tokens, bs = f["block_hashes"], f["parent_block_hash"], f["token_ids"], f["block_size"]
                if f["medium"] != "GPU" or len(tokens) != len(hashes) * bs or len(f["extra_keys"]) != len(hashes):
                    errors.append(f"seq {seq}: malformed BlockStored {f}")
                if parent is not None and parent not in cache:
                    errors.append(f"seq {seq}: parent {parent} is not cached")
                if parent is None:
                    first_blocks.append(tokens[:bs])
                for h in hashes:
                    if not isinstance(h, int) or not 0 <= h < 2**64:
                        errors.append(f"seq {seq}: hash {h!r} is not an unsigned 64-bit int")
                    if h in cache:
                        errors.append(f"seq {seq}: {h} stored twice")
                    cache.add(h)
                    ever.add(h)
            elif tag == "BlockRemoved":
                for h in f["block_hashes"]:
                    if h not in cache:
                        errors.append(f"seq {seq}: removed {h}, which is not cached")
                    cache.discard(h)
            else:
                cache.clear()

    replay_start = seqs[len(seqs) // 2] if seqs else 0
    req.send_multipart([b"", replay_start.to_bytes(8, "big")])
    replayed = []
    while True:
        if not req.poll(5000):
            errors.append("replay: no answer")
            break
        empty, seq_bytes, payload = req.recv_multipart()
        seq = int.from_bytes(seq_bytes, "big", signed=True)
        if empty or seq == -1:
            break
        replayed.append((seq, payload))
    by_seq = dict(live)
    print(json.dumps({
        "seqs": seqs,
        "contiguous": seqs == list(range(len(seqs))),
        "counts": counts,
        "cache": sorted(cache),
        "first_blocks": first_blocks,
        "ranks": sorted(ranks),
        "replay_start": replay_start,
        "replay_seqs": [s for s, _ in replayed],
        "replay_matches": all(by_seq.get(s) == p for s, p in replayed),
        "errors": errors,
    }), flush=True)


if __name__ == "__main__":
    main()
