#!/usr/bin/env python3
"""Publishes vLLM KV-event batches with pyzmq and msgpack, laid out as vLLM 0.19's ZmqEventPublisher sends them.

Used by KvEventsSourceTests. Each message is [topic, seq as 8-byte big-endian, msgpack([ts, events, rank])], each event
a positional array led by its class name (msgspec array_like, omit_defaults: extra_keys is one nil per block). The
script plays a fixed scenario with a gap (seq 3 only in the replay buffer, seq 4 in neither), a duplicate, a
malformed payload, a message of two frames, a post-0.19 event with extra trailing fields, a CPU-medium event, and,
after "restart" on stdin, a restarted publisher (seq back to 0). The replay ROUTER answers [empty, start] with
[empty, seq, payload] for each buffered seq >= start, then [empty, -1, b""], as vLLM's does.
"""
import argparse
import select
import sys
import time

import msgpack
import zmq

BS = 4
P = list(range(1, 13))          # a 12-token prompt: 3 blocks
Q = list(range(50, 58))         # another prompt: 2 blocks
R = list(range(90, 94))         # a prompt after the restart
H1, H2, H3 = 0xF000000000000001, 0xF000000000000002, 0xF000000000000003   # above 2**63: must read as unsigned
H4, H5, H6, H7, H8 = 4, 5, 6, 7, 8


def stored(hashes, parent, tokens, medium="GPU", extra=()):
    return ["BlockStored", hashes, parent, tokens, BS, None, medium, None, [None] * len(hashes), *extra]


def batch(events):
    return msgpack.packb([time.time(), events, 0], use_bin_type=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pub", required=True)
    ap.add_argument("--replay", required=True)
    ap.add_argument("--topic", default="kv-events")
    a = ap.parse_args()
    ctx = zmq.Context.instance()
    pub = ctx.socket(zmq.PUB)
    pub.connect(a.pub)   # the twin binds its SUB socket: vLLM connects when its endpoint has no wildcard
    router = ctx.socket(zmq.ROUTER)
    router.bind(a.replay)
    topic = a.topic.encode()
    buffer = {}

    def send(seq, payload, keep=True, live=True):
        if keep:
            buffer[seq] = payload
        if live:
            pub.send_multipart([topic, seq.to_bytes(8, "big"), payload])

    def serve(seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if router.poll(20):
                ident, empty, start = router.recv_multipart()
                start = int.from_bytes(start, "big")
                for s in sorted(buffer):
                    if s >= start:
                        router.send_multipart([ident, b"", s.to_bytes(8, "big"), buffer[s]])
                router.send_multipart([ident, b"", (-1).to_bytes(8, "big", signed=True), b""])

    time.sleep(1.0)   # PUB/SUB joins asynchronously
    print("ready", flush=True)
    send(0, batch([stored([H1, H2], None, P[0:8])]))
    send(1, batch([stored([H3], H2, P[8:12])]))
    send(2, batch([stored([H1], None, P[0:4])]))                 # the same hash on a second block: 2 references
    send(3, batch([stored([H4], None, Q[0:4])]), live=False)     # missed live, still in the replay buffer
    send(4, batch([stored([H5], H4, Q[4:8])]), keep=False, live=False)  # missed live and gone from the buffer
    send(5, batch([["BlockRemoved", [H1], "GPU"]]))
    serve(0.3)
    send(5, buffer[5])                                           # a duplicate: must not remove H1 again
    send(6, b"\xc1 not msgpack")
    pub.send_multipart([topic, b"\x00\x07"])                      # two frames: rejected, and no number used
    send(7, batch([stored([H6], H2, [70, 71, 72, 73], extra=(0, "full_attention", None))]))  # post-0.19 trailing fields
    send(8, batch([stored([H7], None, [80, 81, 82, 83], medium="CPU")]))
    while True:
        serve(0.05)
        if select.select([sys.stdin], [], [], 0)[0]:
            line = sys.stdin.readline().strip()
            if line == "restart":
                buffer.clear()
                send(0, batch([stored([H8], None, R)]))
                print("restarted", flush=True)
            elif line in ("", "quit"):
                break


if __name__ == "__main__":
    main()
