namespace TokenSim.Server.Extensions;

/// <summary>What one server process runs (<c>--role</c>).</summary>
public enum ServerRole
{
    /// <summary>A silo and the gRPC front end in one process: the embedded default.</summary>
    Both,
    /// <summary>A silo only: it hosts grains; its gRPC port serves health and reflection, not the twin's services.</summary>
    Silo,
    /// <summary>The gRPC front end only, joined to the cluster as an Orleans client: it hosts no grains.</summary>
    Frontend,
}
