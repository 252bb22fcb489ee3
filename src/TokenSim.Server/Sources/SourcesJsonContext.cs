using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using TokenSim.Server.Sources.Otlp;
using TokenSim.Server.Sources.Scrape;

namespace TokenSim.Server.Sources;

/// <summary>
/// Source-generated serialization of <c>/sources/status</c> and <c>/sources/boot</c>. Their keys have been camelCase
/// (ASP.NET Core's web defaults) since they were first served, and dashboards and scripts read them so: <see cref="Http"/>
/// keeps those options, the relaxed encoder included, so the bytes are what the reflection serializer wrote.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(IReadOnlyList<ScrapeService.TargetStatus>), TypeInfoPropertyName = "TargetStatuses")]
[JsonSerializable(typeof(BootTimeline.BootSpan[]), TypeInfoPropertyName = "BootSpans")]
internal sealed partial class SourcesJsonContext : JsonSerializerContext
{
    /// <summary>ASP.NET Core's JSON options for HTTP bodies: web defaults and the relaxed encoder.</summary>
    public static SourcesJsonContext Http { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
