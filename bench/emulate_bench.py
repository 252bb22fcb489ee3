#!/usr/bin/env python3
"""Benchmark of `tokensim emulate` (docs/emulate.md): fidelity to its own simulator, and release jitter at scale.

Starts `tokensim emulate`, opens N concurrent streaming /v1/completions requests of P prompt token ids (distinct per request, so
no request finds another's prefix in the cache: simulate's burst has no token content to share either) and O output
tokens (ignore_eos) from one asyncio client, measures TTFT and TPOT as the client sees them, runs
`tokensim simulate --workload burst:n=N,input=P,output=O` on the same engine, and prints both with the error of the
mean and the median. Then reads the server's release jitter (flush moment minus the moment the simulation gave).
It also replays the arrival times the engine actually saw (the X-TokenSim-Arrival header) through simulate: the
like-for-like comparison, free of the clients' own spread in sending. Repeats R times and reports medians.
Standard library only.

  python3 bench/emulate_bench.py --streams 16 --repeats 5
  python3 bench/emulate_bench.py --streams 500 --output 64 --repeats 3
"""
import argparse, asyncio, json, math, os, socket, statistics as st, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cli():
    dll = os.path.join(ROOT, "src/TokenSim.Cli/bin/Release/net10.0/TokenSim.Cli.dll")
    if not os.path.exists(dll):
        subprocess.run(["dotnet", "build", os.path.join(ROOT, "src/TokenSim.Cli"), "-c", "Release", "-nologo", "-v", "q"], check=True)
    return ["dotnet", dll]


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


async def one(port, model, prompt, output, t0_barrier, i):
    await t0_barrier.wait()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = json.dumps({"model": model, "prompt": [(i * 7919 + k * 104729) % 128000 for k in range(prompt)], "max_tokens": output, "ignore_eos": True, "stream": True}).encode()
    req = (f"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
    t0 = time.perf_counter()
    writer.write(req); await writer.drain()
    times, buf, arrival = [], b"", None
    while True:
        data = await reader.read(65536)
        if not data: break
        now = time.perf_counter()
        buf += data
        if arrival is None and b"\r\n\r\n" in buf:
            head, buf = buf.split(b"\r\n\r\n", 1)
            arrival = float(next(l.split(b":", 1)[1] for l in head.split(b"\r\n") if l.lower().startswith(b"x-tokensim-arrival:")))
        while b"\n\n" in buf:
            ev, buf = buf.split(b"\n\n", 1)
            line = ev.split(b"data: ", 1)[-1]
            if line.startswith(b"{") and b'"text"' in line: times.append(now - t0)
    writer.close()
    if len(times) != output: raise RuntimeError(f"got {len(times)} of {output} tokens")
    return times[0], (times[-1] - times[0]) / max(1, output - 1), arrival


async def burst(port, model, n, prompt, output):
    barrier = asyncio.Event()
    tasks = [asyncio.create_task(one(port, model, prompt, output, barrier, i)) for i in range(n)]
    await asyncio.sleep(0.05); barrier.set()
    return await asyncio.gather(*tasks)


def err(x, ref): return 100 * (x / ref - 1)


def p50(xs):
    """Nearest-rank median, the definition simulate's percentiles use (statistics.median averages the middle two)."""
    return sorted(xs)[math.ceil(0.5 * len(xs)) - 1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="llama-3.1-8b"); ap.add_argument("--hardware", default="a100-80g")
    ap.add_argument("--streams", type=int, default=16); ap.add_argument("--prompt", type=int, default=512)
    ap.add_argument("--output", type=int, default=64); ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    tool = cli()
    with tempfile.TemporaryDirectory() as tmp:
        sim_json = os.path.join(tmp, "sim.json")
        subprocess.run(tool + ["simulate", "--model", a.model, "--hardware", a.hardware, "--workload",
                               f"burst:n={a.streams},input={a.prompt},output={a.output}", "--json", sim_json],
                       check=True, stdout=subprocess.DEVNULL)
        sim = json.load(open(sim_json))
    rows = []
    for rep in range(a.repeats):
        port = free_port()
        # A fresh engine per repeat: each burst meets an idle engine with an empty cache, as simulate's does.
        proc = subprocess.Popen(tool + ["emulate", "--model", a.model, "--hardware", a.hardware, "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            for _ in range(100):
                try:
                    model = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=1))["data"][0]["id"]; break
                except OSError: time.sleep(0.2)
            else: raise RuntimeError("emulate did not start: " + proc.stderr.read().decode()[-500:])
            res = asyncio.run(burst(port, model, a.streams, a.prompt, a.output))
            jit = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/tokensim/release-jitter"))
        finally:
            proc.terminate(); proc.wait()
        # The same requests at the arrival times the engine saw, simulated offline: the like-for-like comparison.
        with tempfile.TemporaryDirectory() as tmp:
            trace, out = os.path.join(tmp, "arrivals.csv"), os.path.join(tmp, "same.json")
            with open(trace, "w") as f:
                f.write("arrived_at,num_prefill_tokens,num_decode_tokens\n")
                for r in sorted(res, key=lambda r: r[2]): f.write(f"{r[2]!r},{a.prompt},{a.output}\n")
            subprocess.run(tool + ["simulate", "--model", a.model, "--hardware", a.hardware, "--workload", trace, "--json", out],
                           check=True, stdout=subprocess.DEVNULL)
            same = json.load(open(out))
        ttft = [r[0] for r in res]; tpot = [r[1] for r in res]
        rows.append(dict(ttft_mean=st.mean(ttft), ttft_p50=p50(ttft), tpot_mean=st.mean(tpot), tpot_p50=p50(tpot),
                         same_ttft_mean=err(st.mean(ttft), same["ttft_s"]["mean"]), same_ttft_p50=err(p50(ttft), same["ttft_s"]["p50"]),
                         same_tpot_mean=err(st.mean(tpot), same["tpot_s"]["mean"]), same_tpot_p50=err(p50(tpot), same["tpot_s"]["p50"]),
                         jitter_p50=jit["p50_s"], jitter_p99=jit["p99_s"], jitter_max=jit["max_s"], tokens=jit["tokens"]))
        print(f"run {rep + 1}: TTFT mean {rows[-1]['ttft_mean']*1e3:.1f} ms p50 {rows[-1]['ttft_p50']*1e3:.1f} ms, "
              f"TPOT mean {rows[-1]['tpot_mean']*1e3:.2f} ms p50 {rows[-1]['tpot_p50']*1e3:.2f} ms, "
              f"jitter p50 {jit['p50_s']*1e3:.2f} ms p99 {jit['p99_s']*1e3:.2f} ms max {jit['max_s']*1e3:.1f} ms ({jit['tokens']} flushes); "
              f"vs simulate of the same arrivals: TTFT {rows[-1]['same_ttft_mean']:+.2f}%/{rows[-1]['same_ttft_p50']:+.2f}%, TPOT {rows[-1]['same_tpot_mean']:+.2f}%/{rows[-1]['same_tpot_p50']:+.2f}%")
    med = {k: st.median(r[k] for r in rows) for k in rows[0]}
    out = {
        "streams": a.streams, "prompt": a.prompt, "output": a.output, "repeats": a.repeats,
        "simulate": {"ttft_mean": sim["ttft_s"]["mean"], "ttft_p50": sim["ttft_s"]["p50"], "tpot_mean": sim["tpot_s"]["mean"], "tpot_p50": sim["tpot_s"]["p50"]},
        "emulate_median": med,
        "error_pct": {k: err(med[k], sim[k.split("_")[0] + "_s"]["mean" if k.endswith("mean") else "p50"]) for k in ("ttft_mean", "ttft_p50", "tpot_mean", "tpot_p50")},
    }
    e = out["error_pct"]
    print(f"simulate: TTFT mean {sim['ttft_s']['mean']*1e3:.1f} ms p50 {sim['ttft_s']['p50']*1e3:.1f} ms, TPOT mean {sim['tpot_s']['mean']*1e3:.2f} ms p50 {sim['tpot_s']['p50']*1e3:.2f} ms")
    print(f"emulate vs simulate (median of {a.repeats}): TTFT {e['ttft_mean']:+.1f}% mean, {e['ttft_p50']:+.1f}% p50; "
          f"TPOT {e['tpot_mean']:+.1f}% mean, {e['tpot_p50']:+.1f}% p50; release jitter p99 {med['jitter_p99']*1e3:.2f} ms (max {med['jitter_max']*1e3:.1f} ms)")
    print(f"emulate vs simulate of the same arrivals (median of {a.repeats}): TTFT {med['same_ttft_mean']:+.2f}% mean, {med['same_ttft_p50']:+.2f}% p50; "
          f"TPOT {med['same_tpot_mean']:+.2f}% mean, {med['same_tpot_p50']:+.2f}% p50")
    if a.json: json.dump(out, open(a.json, "w"), indent=2)


if __name__ == "__main__":
    main()
