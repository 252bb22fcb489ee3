using Prometheus;
using TokenSim.Server.Grpc;
using TokenSim.Server.Metrics;
using TokenSim.Twin.Abstractions;

namespace TokenSim.Twin.Tests.Ops;

/// <summary>A replica's online step correction as gauges and in GetDeployment's tracking: value, and standard error once sized.</summary>
public sealed class StepCorrectionMetricsTests
{
    private static async Task<string> TextAsync(CollectorRegistry registry)
    {
        using var ms = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(ms);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static ReplicaStatus Status(StepCorrectionReport c) => new()
    {
        Replica = 1, ClockSeconds = 10, SimulatedRunning = 3, SimulatedWaiting = 0, SimulatedKvUsage = 0.1, StepCorrection = c,
    };

    [Fact]
    public async Task Update_ExportsEachTermAndItsStandardError_OnlyOnceSized()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new TokenSimMetrics(registry);
        metrics.Update("d", Status(new StepCorrectionReport()));
        string text = await TextAsync(registry);
        Assert.Contains("tokensim_step_correction{deployment=\"d\",replica=\"1\",term=\"kernel_scale\",stat=\"value\"} 1\n", text);
        Assert.Contains("tokensim_step_correction_windows{deployment=\"d\",replica=\"1\"} 0\n", text);
        Assert.DoesNotContain("stat=\"stderr\"", text);

        metrics.Update("d", Status(new StepCorrectionReport { KernelScale = 1.05, KernelScaleStdErr = 0.01, PrefillStepSeconds = 0.004, PrefillStepStdErr = 0.0005, Windows = 40 }));
        text = await TextAsync(registry);
        Assert.Contains("tokensim_step_correction{deployment=\"d\",replica=\"1\",term=\"kernel_scale\",stat=\"value\"} 1.05\n", text);
        Assert.Contains("tokensim_step_correction{deployment=\"d\",replica=\"1\",term=\"kernel_scale\",stat=\"stderr\"} 0.01\n", text);
        Assert.Contains("tokensim_step_correction{deployment=\"d\",replica=\"1\",term=\"prefill_step_seconds\",stat=\"value\"} 0.004\n", text);
        Assert.Contains("tokensim_step_correction{deployment=\"d\",replica=\"1\",term=\"prefill_step_seconds\",stat=\"stderr\"} 0.0005\n", text);
        Assert.Contains("tokensim_step_correction_windows{deployment=\"d\",replica=\"1\"} 40\n", text);

        // A cost the next fit cannot size loses its standard error rather than keeping the old one.
        metrics.Update("d", Status(new StepCorrectionReport { KernelScale = 1.05, KernelScaleStdErr = 0.01, Windows = 41 }));
        Assert.DoesNotContain("term=\"prefill_step_seconds\",stat=\"stderr\"", await TextAsync(registry));
    }

    [Fact]
    public void Tracking_CarriesTheCorrection_WithAbsentStandardErrorsWhereUnsized()
    {
        var t = ProtoMapper.ToProto(Status(new StepCorrectionReport { KernelScale = 0.97, KernelScaleStdErr = 0.005, PrefillStepSeconds = 0.01, Windows = 93 }));
        Assert.Equal(0.97, t.StepCorrection.KernelScale);
        Assert.True(t.StepCorrection.HasKernelScaleStderr);
        Assert.Equal(0.005, t.StepCorrection.KernelScaleStderr);
        Assert.Equal(0.01, t.StepCorrection.PrefillStepS);
        Assert.False(t.StepCorrection.HasPrefillStepStderrS);
        Assert.Equal(93, t.StepCorrection.Windows);
        Assert.Null(ProtoMapper.ToProto(Status(new StepCorrectionReport()) with { StepCorrection = null }).StepCorrection);
    }
}
