using System.Diagnostics;

namespace TokenSim.Twin.Tests.Ops;

/// <summary>
/// Programs the operations tests drive (promtool, prometheus, helm, node), found on PATH, and the repository's
/// operations files. A test needing a missing program skips with <see cref="Missing"/>, naming it.
/// </summary>
internal static class OpsTool
{
    public static string Dashboards => Path.Combine(TestData.RepoRoot, "dashboards");
    public static string RulesFile => Path.Combine(Dashboards, "prometheus", "tokensim-rules.yml");
    public static string RulesTestFile => Path.Combine(Dashboards, "prometheus", "tokensim-rules.test.yml");
    public static string Chart => Path.Combine(TestData.RepoRoot, "helm", "tokensim");

    public static string? Find(string name) => (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    public static string Missing(string name, string package) =>
        $"{name} is not on PATH ({package}; .ci/run installs it): this test needs the real tool.";

    /// <summary>Runs a program to its end and returns its exit code and output.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string exe, IEnumerable<string> args, string? workingDirectory = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null,
            UseShellExecute = false, WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{exe} did not start.");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
            p.StandardInput.Close();
        }
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, await stderr);
    }
}
