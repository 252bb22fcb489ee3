namespace TokenSim.Twin.Hosting;

/// <summary>The twin's settings (configuration section <c>Twin</c>).</summary>
public sealed class TwinOptions
{
    public const string Section = "Twin";
    /// <summary>The grain storage provider the twin's grains persist to.</summary>
    public const string StorageName = "twin";

    /// <summary>Seconds an event may lag its replica's clock and still be applied; older ones are late. Default 10.</summary>
    public double LatenessSeconds { get; set; } = 10;
    /// <summary>Event ids each replica remembers to drop repeats. Default 1,000,000.</summary>
    public int SeenEventWindow { get; set; } = 1_000_000;
    /// <summary>
    /// Whether replica grains write their state before acknowledging each batch (so an acknowledgement means
    /// persisted), or only when they deactivate. In-memory storage dies with the silo either way, so the embedded
    /// default writes on deactivation only; a persistent provider should set this.
    /// </summary>
    public bool WriteStatePerBatch { get; set; } = true;
    /// <summary>
    /// The repository's <c>data</c> folder, searched for profiles when a deployment's perf model is <c>auto</c>;
    /// default: the first <c>data/profiles</c> above the server's binaries.
    /// </summary>
    public string? DataRoot { get; set; }
}
