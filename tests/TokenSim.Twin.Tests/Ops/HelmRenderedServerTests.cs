using System.Diagnostics;
using static TokenSim.Twin.Tests.Ops.HelmChart;

namespace TokenSim.Twin.Tests.Ops;

/// <summary>
/// TokenSim.Server started with exactly the environment helm/tokensim gives a silo pod, as Kubernetes would expand it
/// (its pod IP 127.0.0.1, free ports instead of the fixed ones, secrets resolved), takes it and serves: health, a
/// deployment registered, an event applied. Orleans' Kubernetes hosting, which needs a pod, is checked apart
/// (<see cref="KubernetesHostingSettingsTests"/>).
/// </summary>
public sealed class HelmRenderedServerTests
{
    [SkippableFact]
    public async Task DefaultValues_SiloEnvironment_Serves()
    {
        Skip.If(Helm is null, MissingHelm);
        await ServeWithRenderedEnvAsync(null, secrets: new());
    }

    [SkippableFact]
    public async Task EmbeddedRedisValues_SiloEnvironment_ServesWithRedisMembershipAndStorage()
    {
        Skip.If(Helm is null, MissingHelm);
        Skip.If(RedisServer.Executable is null, RedisServer.Missing);
        using var redis = await RedisServer.StartAsync();
        var env = await ServeWithRenderedEnvAsync("embedded-redis-values.yaml", new() { ["twin-tokensim-secrets/cluster-redis"] = redis.Connection, ["twin-tokensim-secrets/grain-redis"] = redis.Connection });
        Assert.Equal("secret:twin-tokensim-secrets/cluster-redis", env["TOKENSIM_CLUSTER_REDIS"]);
        Assert.Equal("secret:twin-tokensim-secrets/grain-redis", env["TOKENSIM_REDIS"]);
    }

    private static async Task<Dictionary<string, string>> ServeWithRenderedEnvAsync(string? values, Dictionary<string, string> secrets)
    {
        var renderedEnv = Env(Containers(Single(await RenderAsync(values), "Deployment", "twin-tokensim-silo")).Single());
        int grpc = ServerProcess.FreePort(), http = ServerProcess.FreePort();
        var pod = new Dictionary<string, string>
        {
            ["field:metadata.name"] = "twin-tokensim-silo-0", ["field:metadata.namespace"] = "llm", ["field:status.podIP"] = "127.0.0.1",
        };
        var env = new Dictionary<string, string>();
        foreach (var (name, value) in renderedEnv)
            env[name] = value.StartsWith("secret:", StringComparison.Ordinal) ? secrets[value["secret:".Length..]]
                : value.StartsWith("field:", StringComparison.Ordinal) ? pod[value]
                : value.Replace("$(POD_IP)", pod["field:status.podIP"]);
        // What differs from a pod: free ports, loopback, and no Kubernetes API to host against.
        env["TOKENSIM_GRPC_PORT"] = $"{grpc}";
        env["TOKENSIM_METRICS_PORT"] = $"{http}";
        env["TOKENSIM_SILO_PORT"] = $"{ServerProcess.FreePort()}";
        env["TOKENSIM_GATEWAY_PORT"] = $"{ServerProcess.FreePort()}";
        Assert.Equal("0.0.0.0", env["TOKENSIM_BIND"]);
        env["TOKENSIM_BIND"] = "127.0.0.1";
        Assert.Equal("true", env["TOKENSIM_KUBERNETES_HOSTING"]);
        env.Remove("TOKENSIM_KUBERNETES_HOSTING");

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetTempPath() };
        psi.ArgumentList.Add(ServerProcess.BuiltDll("TokenSim.Server"));
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("TOKENSIM_", StringComparison.Ordinal) || k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        var log = new System.Text.StringBuilder();
        using var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        try
        {
            await ServingCheck.AssertServesAsync(p, grpc, http, () => { lock (log) return log.ToString(); }, "helm");
            return renderedEnv;
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync();
            }
        }
    }
}

/// <summary><c>--kubernetes-hosting</c> / <c>TOKENSIM_KUBERNETES_HOSTING</c>: refused, naming why, where it cannot work.</summary>
public sealed class KubernetesHostingSettingsTests
{
    [Theory]
    [InlineData(new[] { "--kubernetes-hosting", "yes" }, "error: --kubernetes-hosting / TOKENSIM_KUBERNETES_HOSTING must be true or false (got 'yes').")]
    [InlineData(new[] { "--kubernetes-hosting", "true", "--role", "frontend" }, "error: --kubernetes-hosting applies to silos (--role both or silo): a front end has no silo to host.")]
    [InlineData(new[] { "--kubernetes-hosting", "true" }, "error: --kubernetes-hosting: this process is not in a Kubernetes pod (KUBERNETES_SERVICE_HOST is not set), so Orleans cannot reach the Kubernetes API.")]
    public async Task Refused_WithTheReason(string[] args, string expected)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(ServerProcess.BuiltDll("TokenSim.Server"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("KUBERNETES_SERVICE_HOST");
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Equal(1, p.ExitCode);
        Assert.Equal(expected, (await stderr).Trim());
    }
}
