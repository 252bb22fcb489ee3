using System.Diagnostics;

namespace TokenSim.Cli.Tests;

/// <summary>Runs the built <c>tokensim</c> as a separate process, the way a user does.</summary>
internal static class CliProcess
{
    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => RunIn(null, args);

    /// <summary>Runs it in <paramref name="workingDirectory"/> (null: this process's), as a user in that folder would.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunIn(string? workingDirectory, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "TokenSim.Cli.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException($"tokensim {string.Join(' ', args)} did not finish in 120 s"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static string Temp(string ext) => Path.Combine(Path.GetTempPath(), $"tokensim-cli-{Guid.NewGuid():N}.{ext}");

    public static string RepoFile(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TokenSim.sln"))) dir = dir.Parent;
        return Path.Combine([dir!.FullName, .. parts]);
    }
}
