using System.CommandLine;
using System.Globalization;
using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime;
using TokenSim.Core.ExecutionTime.Gpu;

namespace TokenSim.Cli.Commands;

/// <summary>
/// <c>tokensim validate silicon</c>: the GPU model's and the roofline's closed-loop TPOT against AIConfigurator's
/// measured vLLM points (docs/hardware.md), per GPU, dtype, dense vs MoE and model; the points the simulator cannot
/// represent are counted and named with the reason.
/// </summary>
internal static class ValidateSiliconCommand
{
    public static Command Create()
    {
        var points = new Option<string>("--points") { Description = $"The points file (default {SiliconCheck.DefaultFile}).", DefaultValueFactory = _ => SiliconCheck.DefaultFile };
        var gpu = new Option<string?>("--gpu") { Description = "Only the points of this GPU (a catalog name or alias, e.g. b300)." };
        var model = new Option<string?>("--model") { Description = "Only the points whose model path contains this text (e.g. gpt-oss)." };
        var every = new Option<int>("--every") { Description = "Simulate every Nth representable point only (a fixed, deterministic subset; 1 = all).", DefaultValueFactory = _ => 1 };
        var requests = new Option<int>("--requests-per-client") { Description = "Closed-loop requests each client sends (default 4).", DefaultValueFactory = _ => 4 };
        var perPoint = new Option<bool>("--per-point") { Description = "Also print each point's measured and predicted TPOT." };
        var cmd = new Command("silicon", "Closed-loop TPOT of the GPU model and the roofline against AIConfigurator's measured vLLM points (H100/H200/B200/B300).")
        {
            points, gpu, model, every, requests, perPoint,
        };
        cmd.SetAction(parse =>
        {
            int n = parse.GetValue(every), perClient = parse.GetValue(requests);
            if (n < 1) throw new ArgumentException($"--every must be at least 1 (got {n}).");
            if (perClient < 1) throw new ArgumentException($"--requests-per-client must be at least 1 (got {perClient}).");
            var all = SiliconCheck.Read(parse.GetValue(points)!);
            string? gpuName = parse.GetValue(gpu) is { } g ? HardwareCatalog.Resolve(g).Name : null;
            string? modelText = parse.GetValue(model);
            var chosen = all.Where(p => (gpuName is null || (HardwareCatalog.TryGet(p.System, out var h) && h.Name == gpuName))
                && (modelText is null || p.ModelPath.Contains(modelText, StringComparison.OrdinalIgnoreCase))).ToList();
            // The subset is taken over the representable points so that --every keeps every group in proportion.
            var representable = chosen.Where(p => p.Spec(out _) is not null).Where((_, i) => i % n == 0);
            var unrepresentable = chosen.Where(p => p.Spec(out _) is null);
            var rows = SiliconCheck.Run(representable.Concat(unrepresentable), [s => new GpuExecutionTimeModel(s), s => new RooflineExecutionTimeModel(s)], out var skipped, perClient);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{all.Count} points in the file, {chosen.Count} chosen; {rows.Count} simulated ({perClient} requests per client), {skipped.Count} not representable"));
            if (parse.GetValue(perPoint))
                foreach (var r in rows)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {r.Point.Label}: measured {r.Point.TpotMs:F2} ms, gpu {r.PredictedMs[0]:F2} ({r.SignedPct(0):+0.0;-0.0;0.0}%), roofline {r.PredictedMs[1]:F2} ({r.SignedPct(1):+0.0;-0.0;0.0}%)"));
            foreach (var line in SiliconCheck.Report(rows, ["gpu", "roofline"], skipped)) Console.WriteLine(line);
            return 0;
        });
        return cmd;
    }
}
