using TokenSim.Core.Energy;
using TokenSim.Core.Entities;
using TokenSim.Core.Metrics;
using TokenSim.Core.Simulation;

namespace TokenSim.Core.Tests.Energy;

public class EnergyModelTests
{
    private static ReplicaSpec H100(int tp = 1, int maxNumSeqs = 256) => TestSupport.Spec(
        new EngineConfig { TensorParallel = tp, MaxModelLen = 4096, MaxNumSeqs = maxNumSeqs }, model: "llama-3.1-8b", hardware: "h100-sxm");

    private static BatchShape Decodes(int n, int context) => new()
    {
        Tokens = n, GroupTokens = n, GroupMaxTokens = n, Sequences = n, Sampled = n, DecodeCount = n, DecodeContext = (long)n * context,
    };

    [Fact]
    public void Catalog_power_limits_are_the_datasheet_and_AIConfigurator_figures()
    {
        // AIConfigurator systems/*.yaml: a100_sxm 400, h100_sxm 700, h200_sxm 700, b200_sxm 1000, l40s 350 W.
        foreach (var (gpu, watts) in new[] { ("a100-80g", 400.0), ("h100-sxm", 700.0), ("h200", 700.0), ("b200", 1000.0), ("l40s", 350.0) })
            Assert.Equal(watts, HardwareCatalog.Resolve(gpu).Power!.TdpWatts);
        foreach (var name in new[] { "a100-40g", "a100-80g", "h100-sxm", "h200", "b200", "mi300x", "l40s", "a40", "rtx-4090", "rtx-pro-6000" })
        {
            var p = HardwareCatalog.Resolve(name).Power;
            Assert.NotNull(p);
            Assert.InRange(p!.StaticWatts, 1, p.TdpWatts / 2);
            Assert.InRange(p.DramJoulesPerByte, 8 * 1e-12, 8 * 20e-12); // 1 to 20 pJ/bit: every published DRAM figure lies there
        }
    }

    [Fact]
    public void An_all_idle_run_draws_static_power_times_its_length()
    {
        // Nothing stepped: 2 GPUs (TP 2) of 108 W static for 10 s.
        var sim = new Simulator(new SimulationOptions { Replica = H100(tp: 2), Replicas = 1 });
        var e = EnergyMeter.For(sim, out var why)!.Summarize(10, 0);
        Assert.Null(why);
        Assert.Equal(2 * 108 * 10, e.Joules, 9);
        Assert.Equal(e.Joules, e.StaticJoules);
        Assert.Equal(108, e.AveragePowerWatts, 9);
        Assert.Equal(108, e.PeakPowerWatts, 9);
        Assert.Null(e.JoulesPerOutputToken);
    }

    [Fact]
    public void Work_at_the_peak_tensor_rate_draws_the_power_limit_and_no_more()
    {
        var model = new PowerModel(H100());
        double peak = HardwareCatalog.Resolve("h100-sxm").PeakFlops("bf16"), dt = 0.02;
        // Peak FLOP/s alone: (700 − 108) W above static, i.e. the 700 W limit.
        Assert.Equal((700 - 108) * dt, model.DynamicJoules(peak * dt, 0, dt), 9);
        // Peak FLOP/s and a full memory bandwidth's bytes on top would exceed it: capped at the limit.
        Assert.Equal((700 - 108) * dt, model.DynamicJoules(peak * dt, 3.35e12 * dt, dt), 9);
        // Half the peak rate and no bytes: half the dynamic range.
        Assert.Equal((700 - 108) * dt / 2, model.DynamicJoules(peak * dt / 2, 0, dt), 9);
    }

    [Fact]
    public void A_step_that_would_exceed_the_limit_shows_the_limit_as_peak_power()
    {
        var sim = new Simulator(new SimulationOptions { Replica = H100(), Replicas = 1 });
        var meter = EnergyMeter.For(sim, out _)!;
        meter.OnStep(0, Decodes(64, 1000), 0, 1e-9); // a 64-sequence decode in a nanosecond: far beyond 700 W
        Assert.Equal(700, meter.Summarize(1, 64).PeakPowerWatts, 6);
    }

    [Fact]
    public void Doubling_TP_doubles_static_power()
    {
        Assert.Equal(108, new PowerModel(H100(tp: 1)).StaticWatts);
        Assert.Equal(216, new PowerModel(H100(tp: 2)).StaticWatts);
        Assert.Equal(2, new PowerModel(H100(tp: 2)).Gpus);
    }

    [Fact]
    public void A_batch_one_decode_moves_the_weights_once_and_does_two_FLOPs_per_parameter()
    {
        // Llama-3.1-8B: 8.03e9 parameters, of which the 128,256 × 4,096 input embedding (0.525e9) is a gather, not a GEMM.
        var (flops, bytes) = new StepWork(H100()).Of(Decodes(1, 1));
        double gemmParams = 8.03e9 - 128_256.0 * 4096;
        Assert.InRange(flops / (2 * gemmParams), 0.98, 1.02);
        Assert.InRange(bytes / (2 * gemmParams), 0.98, 1.05); // bf16 weights, plus a little activation traffic
        // TP 2 splits the same work over two GPUs: the total is the same, up to the replicated KV head work.
        var (flops2, bytes2) = new StepWork(H100(tp: 2)).Of(Decodes(1, 1));
        Assert.InRange(flops2 / flops, 0.99, 1.01);
        Assert.InRange(bytes2 / bytes, 0.99, 1.02);
    }

    [Fact]
    public void Energy_is_the_integral_of_a_hand_made_step_sequence()
    {
        var spec = H100();
        var sim = new Simulator(new SimulationOptions { Replica = spec, Replicas = 1 });
        var meter = EnergyMeter.For(sim, out _)!;
        var model = new PowerModel(spec);
        // Three steps with idle gaps in a 0.1 s window: [0, 0.01], [0.02, 0.03], [0.05, 0.07].
        var steps = new[] { (Decodes(8, 500), 0.0, 0.01), (Decodes(16, 900), 0.02, 0.01), (Decodes(32, 2000), 0.05, 0.02) };
        double dynamic = 0;
        foreach (var (shape, start, dt) in steps)
        {
            meter.OnStep(0, shape, start, dt);
            dynamic += model.DynamicJoules(shape, dt);
        }
        var e = meter.Summarize(0.1, 56);
        // Static power all along (108 W × 0.1 s, the gaps included), plus each step's dynamic energy.
        Assert.Equal(108 * 0.1 + dynamic, e.Joules, 9);
        Assert.Equal(e.Joules / 56, e.JoulesPerOutputToken!.Value, 12);
        Assert.Equal(e.Joules / 0.1, e.AveragePowerWatts, 9);
        Assert.True(dynamic > 0);
        Assert.InRange(e.PeakPowerWatts, 108, 700);
    }

    [Fact]
    public void Joules_per_token_fall_as_the_batch_grows()
    {
        double JoulesPerToken(int batch)
        {
            var sim = new Simulator(new SimulationOptions { Replica = H100(maxNumSeqs: batch), Replicas = 1 });
            for (int i = 0; i < 64; i++) sim.Submit(new RequestSpec(0, 128, 128));
            var meter = EnergyMeter.For(sim, out _)!;
            sim.StepMeter = meter;
            sim.Run();
            var report = SimulationReport.From(sim, 0, meter, null);
            Assert.Equal(64 * 128, report.OutputTokens);
            return report.Energy!.JoulesPerOutputToken!.Value;
        }
        double b4 = JoulesPerToken(4), b16 = JoulesPerToken(16), b64 = JoulesPerToken(64);
        Assert.True(b4 > b16 && b16 > b64, $"J/token at batch 4, 16, 64: {b4}, {b16}, {b64}");
    }

    [Fact]
    public void Decode_runs_meter_the_same_energy_as_stepping_one_step_at_a_time()
    {
        // The meter sees the steps a decode run advances in one go with the shapes the run timed them at, so a run
        // that skips (most of its steps) meters what --exact-steps meters, up to summation order.
        (double Joules, double Peak, long Skipped) Run(bool exact)
        {
            var sim = new Simulator(new SimulationOptions { Replica = H100(), Replicas = 2, Seed = 3, ExactSteps = exact });
            sim.AttachWorkload(TokenSim.Core.Workload.WorkloadSpec.Build("poisson:rate=12,n=300,input=100..900,output=20..300", 4096).Source);
            var meter = EnergyMeter.For(sim, out _)!;
            sim.StepMeter = meter;
            sim.Run();
            var e = SimulationReport.From(sim, 0, meter, null).Energy!;
            return (e.Joules, e.PeakPowerWatts, sim.SkippedSteps);
        }
        var exact = Run(true);
        var skipping = Run(false);
        Assert.Equal(0, exact.Skipped);
        Assert.True(skipping.Skipped > 1000, $"{skipping.Skipped} steps skipped");
        Assert.Equal(exact.Joules, skipping.Joules, exact.Joules * 1e-9);
        Assert.Equal(exact.Peak, skipping.Peak, 1e-9);
    }

    [Fact]
    public void Cost_per_million_tokens_is_the_price_of_the_GPU_hours_over_the_tokens()
    {
        // 2 GPUs for an hour at 3 per GPU-hour, 1.2 million tokens: 6 / 1.2 = 5 per million.
        Assert.Equal(5, EnergyReport.CostPerMillionOutputTokens(3, 2 * 3600, 1_200_000)!.Value, 9);
        Assert.Null(EnergyReport.CostPerMillionOutputTokens(null, 7200, 1_200_000));
        Assert.Null(EnergyReport.CostPerMillionOutputTokens(3, 7200, 0));
    }

    [Fact]
    public void A_power_block_with_a_wrong_field_names_the_file_line_and_field()
    {
        string file = Path.Combine(Path.GetTempPath(), $"gpu-power-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, """
            name: my-gpu
            memory_bytes: 1.0e+10
            memory_bandwidth_bytes_per_s: 1.0e+12
            flops: {bf16: 1.0e+14}
            pcie: {bandwidth_bytes_per_s: 3.2e+10}
            power:
              tdp_w: 300
              static_watts: 50
            """);
        try
        {
            var e = Assert.Throws<FormatException>(() => HardwareCatalog.Resolve(file));
            Assert.Contains(file, e.Message);
            Assert.Contains("line 8", e.Message);
            Assert.Contains("power.static_watts", e.Message);
        }
        finally { File.Delete(file); }
    }
}
