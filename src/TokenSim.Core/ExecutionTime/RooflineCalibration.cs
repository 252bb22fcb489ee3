using TokenSim.Core.Entities;
using TokenSim.Core.ExecutionTime.Profiles;

namespace TokenSim.Core.ExecutionTime;

/// <summary>
/// Fits the roofline's efficiency factors to a measured operator profile of one GPU, so that hardware without a
/// profile (a catalog GPU or a spec in a file) can be predicted with factors learned on a real one. Each factor
/// comes from the measured kernels that the corresponding roofline bound governs:
/// <list type="bullet">
/// <item>memory efficiency: the projection GEMMs at token counts well below the GPU's ridge point, where they
/// stream their weights;</item>
/// <item>GEMM compute efficiency: the same GEMMs at token counts well above the ridge;</item>
/// <item>attention compute efficiency: pure prefill attention at the largest chunks;</item>
/// <item>kernel latency: the smallest elementwise kernels at one token, which are nothing but fixed cost.</item>
/// </list>
/// Each is the median over its points of the implied efficiency, which a few noisy measurements cannot move.
/// </summary>
public static class RooflineCalibration
{
    private static readonly string[] Gemms = ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"];

    public static RooflineParameters Fit(LlmServingSimProfile profile, ModelSpec model, HardwareSpec hardware, int tp)
    {
        double peak = hardware.PeakFlops(model.DType), bw = hardware.MemoryBandwidthBytesPerSecond, b = model.DTypeBytes;
        double h = model.HiddenSize, hd = model.HeadDim, inter = model.IntermediateSize;
        var shapes = new Dictionary<string, (double N, double K)>
        {
            ["qkv_proj"] = ((model.NumHeads + 2.0 * model.NumKvHeads) * hd / tp, h),
            ["o_proj"] = (h, model.NumHeads * hd / tp),
            ["gate_up_proj"] = (2 * inter / tp, h),
            ["down_proj"] = (h, inter / tp),
        };
        double latency = Median(new[] { "layernorm", "rotary_emb", "act_fn" }
            .Where(profile.Dense.ContainsKey).Select(op => profile.Dense[op].Evaluate(1))) is var l && l > 0 ? l : 3e-6;
        double ridge = peak / bw;
        var memory = new List<double>();
        var compute = new List<double>();
        foreach (var op in Gemms.Where(profile.Dense.ContainsKey))
        {
            var (n, k) = shapes[op];
            foreach (var (key, t) in profile.Dense[op].Points)
            {
                double m = key[0], flops = 2 * m * n * k, bytes = (n * k + m * k + m * n) * b, time = t - latency;
                if (time <= 0) continue;
                double intensity = flops / bytes;
                if (intensity < ridge / 4) memory.Add(bytes / (bw * time));
                else if (intensity > ridge * 2) compute.Add(flops / (peak * time));
            }
        }
        var attention = new List<double>();
        double headsPerRank = (double)model.NumHeads / tp;
        foreach (var (key, t) in profile.Attention.Points)
        {
            double chunk = key[0], kvPrefill = key[1], decodes = key[2];
            if (decodes != 0 || chunk < 1024) continue;
            double pairs = chunk * kvPrefill + chunk * (chunk + 1) / 2;
            attention.Add(4 * headsPerRank * hd * pairs / (peak * t));
        }
        var defaults = new RooflineParameters();
        return defaults with
        {
            MemoryEfficiency = memory.Count > 0 ? Clamp(Median(memory)) : defaults.MemoryEfficiency,
            GemmComputeEfficiency = compute.Count > 0 ? Clamp(Median(compute)) : defaults.GemmComputeEfficiency,
            AttentionComputeEfficiency = attention.Count > 0 ? Clamp(Median(attention)) : defaults.AttentionComputeEfficiency,
            KernelLatencySeconds = latency,
        };
    }

    private static double Clamp(double efficiency) => Math.Clamp(efficiency, 0.05, 1.0);

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? 0 : v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }
}
