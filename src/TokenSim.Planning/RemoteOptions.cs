using TokenSim.Core.Entities;

namespace TokenSim.Planning;

/// <summary>
/// The <c>simulate</c> options a server accepts from a client: a server never reads or writes a file a client names,
/// nor loads its plugins, so models and GPUs come from the catalogs and workloads are generators.
/// </summary>
public static class RemoteOptions
{
    private static readonly string[] Refused = ["plugin", "json", "requests-csv", "timeseries-csv", "trace", "plots", "scenario", "replicas-csv"];

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="where"/> when a server must not take this option.</summary>
    public static void Check(string name, string value, string where)
    {
        string key = name.Replace('_', '-').ToLowerInvariant();
        if (Refused.Contains(key)) throw new ArgumentException($"{where}: '{key}' names a file or plugin on the server, which a remote call cannot use.");
        if (key == "model" && !ModelCatalog.TryGet(value, out _))
            throw new ArgumentException($"{where}: unknown model '{value}'. Known: {string.Join(", ", ModelCatalog.Names)}.");
        if (key is "hardware" or "decode-hardware" && !HardwareCatalog.TryGet(value, out _))
            throw new ArgumentException($"{where}: unknown GPU '{value}'. Known: {string.Join(", ", HardwareCatalog.Names)}.");
        if (key == "workload") CheckWorkload(value, where);
    }

    /// <summary>A generator spec whose lengths, if from a trace, are a built-in one.</summary>
    public static void CheckWorkload(string spec, string where)
    {
        int colon = spec.IndexOf(':');
        string kind = colon > 0 ? spec[..colon].Trim().ToLowerInvariant() : "";
        if (kind is not ("poisson" or "gamma" or "burst" or "closed"))
            throw new ArgumentException($"{where}: '{spec}' is not a generator (poisson:, gamma:, burst:, closed:); send a trace's arrivals instead of its file name.");
        foreach (var part in spec[(colon + 1)..].Split(','))
        {
            var kv = part.Split('=', 2);
            if (kv.Length == 2 && kv[0].Trim().Equals("lengths", StringComparison.OrdinalIgnoreCase)
                && kv[1].Trim().ToLowerInvariant() is not ("azure-conv" or "azure-code"))
                throw new ArgumentException($"{where}: lengths={kv[1].Trim()} names a file; a remote call can use lengths=azure-conv or azure-code, or input=/output= distributions.");
        }
    }
}
