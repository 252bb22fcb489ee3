using System.Globalization;
using TokenSim.Core.Entities;
using TokenSim.Core.Simulation;

namespace TokenSim.Cli.Commands;

/// <summary>
/// The "what was simulated" words of a run's header: how many GPUs of which kind, and how they are split. The count is
/// of GPUs, not replicas (one replica of TP 2 and DP 2 is four GPUs), and a P/D deployment names both pools.
/// </summary>
internal static class DeploymentHeader
{
    public static string Describe(Simulator sim, ReplicaSpec spec, SimulateSettings s)
    {
        if (s.DecodeReplicas == 0) return Pool(spec, s.Replicas, "");
        var decode = sim.Replicas[^1].Spec;
        return $"{Pool(spec, s.Replicas, "prefill ")} + {Pool(decode, s.DecodeReplicas, "decode ")}";
    }

    /// <summary><c>4 × h100-sxm (TP 2, PP 1, DP 2, EP 4)</c>, or <c>2 × a100-80g (2 replicas of TP 1, PP 1)</c>.</summary>
    private static string Pool(ReplicaSpec spec, int replicas, string role)
    {
        string shape = $"TP {spec.TensorParallel}, PP {spec.PipelineParallel}{(spec.DataParallel > 1 ? $", DP {spec.DataParallel}" : "")}" +
            $"{(spec.ExpertParallelSize > 1 ? $", EP {spec.ExpertParallelSize}" : "")}";
        string count = replicas == 1 ? (role.Length > 0 ? $"1 {role}replica of " : "") : $"{replicas.ToString(CultureInfo.InvariantCulture)} {role}replicas of ";
        long gpus = (long)replicas * spec.GpusPerReplica;
        return $"{gpus.ToString(CultureInfo.InvariantCulture)} × {TerminalText.Escape(spec.Hardware.Name)} ({count}{shape})";
    }
}
