using System.Text.Json;

namespace TokenSim.Cli.Tests;

/// <summary><c>validate vllm-bench --calibrate-on F</c>: the JSON's figures are over the later requests, calibrated and uncalibrated, with the fitted terms.</summary>
public class ValidateBenchCalibrationTests
{
    [Fact]
    public void CalibrateOn_ScoresTheLaterRequests_AndReportsTheFittedTerms()
    {
        var json = CliProcess.Temp("json");
        try
        {
            var (code, stdout, stderr) = CliProcess.Run("validate", "vllm-bench",
                "--run", CliProcess.RepoFile("data", "runs", "llmservingsim", "RTXPRO6000", "Llama-3.1-8B"),
                "--workload", CliProcess.RepoFile("data", "traces", "llmservingsim", "sharegpt-llama-3.1-8b-300-sps10.jsonl"),
                "--perf-model", $"profile:{CliProcess.RepoFile("data", "profiles", "llmservingsim", "perf", "RTXPRO6000", "meta-llama", "Llama-3.1-8B", "bf16")}",
                "--calibrate-on", "0.3", "--json", json);
            Assert.True(code == 0, stderr);
            Assert.Contains("calibration: fitted on the 93 requests arriving in the first 30 % of the run", stdout);
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var root = doc.RootElement;
            Assert.Equal(207, root.GetProperty("scored_requests").GetInt32());
            var cal = root.GetProperty("calibration");
            Assert.Equal(93, cal.GetProperty("fitted_on_requests").GetInt32());
            Assert.InRange(cal.GetProperty("kernel_scale").GetDouble(), 0.5, 2.0);
            Assert.InRange(cal.GetProperty("prefill_step_s").GetDouble(), 0, 0.05);
            // One decode window per fitting request, and both terms sized, with standard errors.
            Assert.Equal(93, cal.GetProperty("windows").GetInt32());
            Assert.InRange(cal.GetProperty("kernel_scale_stderr").GetDouble(), 1e-6, 0.1);
            Assert.InRange(cal.GetProperty("prefill_step_stderr_s").GetDouble(), 1e-7, 0.01);
            // Calibrated at the top, uncalibrated beside it, over the same scored requests.
            double measured = root.GetProperty("ttft_s").GetProperty("measured").GetProperty("mean").GetDouble();
            var uncalibrated = root.GetProperty("uncalibrated").GetProperty("ttft_s");
            Assert.Equal(measured, uncalibrated.GetProperty("measured").GetProperty("mean").GetDouble(), 12);
            Assert.True(Math.Abs(root.GetProperty("ttft_s").GetProperty("error_pct").GetProperty("mean").GetDouble())
                < Math.Abs(uncalibrated.GetProperty("error_pct").GetProperty("mean").GetDouble()), "the correction helps the requests it did not see");
            Assert.NotEqual(measured, root.GetProperty("all_requests").GetProperty("ttft_s").GetProperty("measured").GetProperty("mean").GetDouble());

            var bad = CliProcess.Run("validate", "vllm-bench", "--run", CliProcess.RepoFile("data", "runs", "llmservingsim", "RTXPRO6000", "Llama-3.1-8B"), "--calibrate-on", "1.5");
            Assert.Equal(1, bad.ExitCode);
            Assert.Contains("--calibrate-on", bad.Stderr);
        }
        finally
        {
            File.Delete(json);
        }
    }
}
