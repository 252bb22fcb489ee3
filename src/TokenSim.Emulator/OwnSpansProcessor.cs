using System.Diagnostics;
using OpenTelemetry;

namespace TokenSim.Emulator;

/// <summary>
/// Passes on only the activities of one <see cref="ActivitySource"/> instance. Every replica's source has vLLM's
/// scope name, and .NET's activity listeners match sources by name, so without this each replica's provider would
/// export every replica's spans under its own resource. Being a composite, it hands its provider (and so the
/// resource) down to the exporter.
/// </summary>
internal sealed class OwnSpansProcessor(ActivitySource source, BaseProcessor<Activity> inner) : CompositeProcessor<Activity>([inner])
{
    public override void OnStart(Activity data)
    {
        if (ReferenceEquals(data.Source, source)) base.OnStart(data);
    }

    public override void OnEnd(Activity data)
    {
        if (ReferenceEquals(data.Source, source)) base.OnEnd(data);
    }
}
