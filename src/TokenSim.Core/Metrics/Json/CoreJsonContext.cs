using System.Text.Json.Serialization;

namespace TokenSim.Core.Metrics.Json;

/// <summary>
/// Source-generated (reflection-free) serialization of Core's JSON documents: snake_case keys from the records'
/// property names, indented as the documents always were.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(SimulationReportJson))]
[JsonSerializable(typeof(Distribution))]
public sealed partial class CoreJsonContext : JsonSerializerContext;
