using System.Diagnostics;

namespace TokenSim.Cli.Tests;

/// <summary>
/// The README's install line, run as written from the repository root: <c>dotnet pack</c> makes a .NET tool package in
/// <c>artifacts/tool</c>, and <c>dotnet tool install -g</c> from there gives a <c>tokensim</c> command that runs a
/// simulation. Three things differ, each so the test leaves the machine as it found it: the pack adds
/// <c>--no-build</c> and uses this run's configuration (the test run already built the CLI; building again would
/// rewrite the assemblies running tests load), and <c>DOTNET_CLI_HOME</c> points at a scratch folder, so <c>-g</c>
/// installs under it instead of the user's <c>~/.dotnet/tools</c>.
/// </summary>
public sealed class ToolPackageTests
{
    private static (int Code, string Output) Run(string file, string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(600_000)) { p.Kill(true); throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 10 minutes"); }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void ReadmeInstallLine_GivesATokensimCommand()
    {
        var line = DocumentedShellLine.All().Single(l => l.Kind == ShellLineKind.ToolInstall);
        var words = line.Words;
        int both = Array.IndexOf(words, "&&");
        string[] pack = words[..both], install = words[(both + 1)..];
        Assert.Equal(["dotnet", "pack", "src/TokenSim.Cli", "-c", "Release"], pack);
        // bin/<Configuration>/net10.0/: pack the CLI as built for this run.
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        string root = CliProcess.RepoFile();
        var dir = Directory.CreateTempSubdirectory("tokensim-tool-").FullName;
        try
        {
            var (packed, packOutput) = Run("dotnet", root, [.. pack[1..^1], configuration, "--no-build", "-nologo"]);
            Assert.True(packed == 0, $"{line}: {packOutput}");
            // The package lands where the install's --add-source looks (the CLI project's PackageOutputPath).
            string source = install[Array.IndexOf(install, "--add-source") + 1];
            Assert.Single(Directory.GetFiles(Path.Combine(root, source), "TokenSim.Cli.*.nupkg"));
            var home = new Dictionary<string, string> { ["DOTNET_CLI_HOME"] = dir, ["DOTNET_NOLOGO"] = "1", ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1" };
            var (installed, installOutput) = Run(install[0], root, install[1..], home);
            Assert.True(installed == 0, $"{line}: {installOutput}");
            string tokensim = Path.Combine(dir, ".dotnet", "tools", "tokensim");
            Assert.True(File.Exists(tokensim), $"{line}: no {tokensim} after the install:\n{installOutput}");
            var (ran, output) = Run(tokensim, dir, ["simulate", "--workload", "burst:n=4,input=64,output=4"]);
            Assert.True(ran == 0, output);
            Assert.Contains("llama-2-7b on 1 × a100-80g (TP 1, PP 1)", output);
            Assert.Contains("4 completed", output);
        }
        finally { Directory.Delete(dir, true); }
    }
}
