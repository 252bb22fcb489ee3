using System.Diagnostics;
using System.Text;

namespace TokenSim.Twin.Tests.Docs;

/// <summary>
/// A documented line's process: started in the repository root as a reader would start it, with the given variables
/// and none of the caller's <c>TOKENSIM_*</c> or <c>OTEL_*</c> ones, its output kept for failure messages.
/// </summary>
internal sealed class LoggedProcess : IAsyncDisposable
{
    private readonly StringBuilder _log = new();

    private LoggedProcess(Process process) => Process = process;

    public Process Process { get; }
    public string Log { get { lock (_log) return _log.ToString(); } }

    public static LoggedProcess Start(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? TestData.RepoRoot,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("TOKENSIM_", StringComparison.Ordinal) || k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var logged = new LoggedProcess(Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start."));
        logged.Process.OutputDataReceived += (_, e) => { lock (logged._log) logged._log.AppendLine(e.Data); };
        logged.Process.ErrorDataReceived += (_, e) => { lock (logged._log) logged._log.AppendLine(e.Data); };
        logged.Process.BeginOutputReadLine();
        logged.Process.BeginErrorReadLine();
        return logged;
    }

    /// <summary>Runs to the end (killed after <paramref name="limit"/>, which then fails); its exit code and output.</summary>
    public static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> args, TimeSpan limit, IReadOnlyDictionary<string, string>? env = null, string? workingDirectory = null)
    {
        await using var p = Start(file, args, env, workingDirectory);
        using var cts = new CancellationTokenSource(limit);
        try { await p.Process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { Assert.Fail($"{file} {string.Join(' ', args)} ran over {limit.TotalSeconds:F0} s:\n{p.Log}"); }
        p.Process.WaitForExit();   // the output's last lines
        return (p.Process.ExitCode, p.Log);
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }
        Process.Dispose();
    }
}
