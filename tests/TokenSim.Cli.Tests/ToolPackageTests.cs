using System.Diagnostics;

namespace TokenSim.Cli.Tests;

/// <summary>
/// The README's install line works: <c>dotnet pack</c> makes a .NET tool package, and installing it gives a
/// <c>tokensim</c> command that runs a simulation. Packed from the build this test run already made (same
/// configuration, <c>--no-build</c>), installed into a scratch tool path rather than the user's global tools.
/// </summary>
public sealed class ToolPackageTests
{
    private static (int Code, string Output) Run(string file, string workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(600_000)) { p.Kill(true); throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 10 minutes"); }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void Pack_ThenToolInstall_GivesATokensimCommand()
    {
        // bin/<Configuration>/net10.0/: pack the CLI as built for this run.
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var dir = Directory.CreateTempSubdirectory("tokensim-tool-").FullName;
        try
        {
            string feed = Path.Combine(dir, "feed"), tools = Path.Combine(dir, "tools");
            var (packed, packOutput) = Run("dotnet", CliProcess.RepoFile(), "pack", "src/TokenSim.Cli", "-c", configuration, "--no-build", "-o", feed, "-nologo");
            Assert.True(packed == 0, packOutput);
            Assert.Single(Directory.GetFiles(feed, "TokenSim.Cli.*.nupkg"));
            var (installed, installOutput) = Run("dotnet", dir, "tool", "install", "--tool-path", tools, "TokenSim.Cli", "--add-source", feed);
            Assert.True(installed == 0, installOutput);
            var (ran, output) = Run(Path.Combine(tools, "tokensim"), dir, "simulate", "--workload", "burst:n=4,input=64,output=4");
            Assert.True(ran == 0, output);
            Assert.Contains("llama-2-7b on 1 × a100-80g (TP 1, PP 1)", output);
            Assert.Contains("4 completed", output);
        }
        finally { Directory.Delete(dir, true); }
    }
}
