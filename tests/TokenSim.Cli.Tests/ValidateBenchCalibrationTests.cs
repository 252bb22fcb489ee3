using System.Text.Json;

namespace TokenSim.Cli.Tests;

/// <summary><c>validate vllm-bench --calibrate-on F</c>: the JSON's headline is over the later requests, the fitted terms beside it.</summary>
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
            // Uncalibrated and calibrated are both there, over the same scored requests.
            double measured = root.GetProperty("ttft_s").GetProperty("measured").GetProperty("mean").GetDouble();
            Assert.Equal(measured, cal.GetProperty("ttft_s").GetProperty("measured").GetProperty("mean").GetDouble(), 12);
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
