namespace TokenSim.Core.Entities;

/// <summary>Opens data files embedded in TokenSim.Core (models, hardware catalog, default traces).</summary>
public static class EmbeddedData
{
    public static Stream Open(string logicalName) =>
        typeof(EmbeddedData).Assembly.GetManifestResourceStream(logicalName)
        ?? throw new InvalidOperationException($"Embedded resource '{logicalName}' is missing from TokenSim.Core.");
}
