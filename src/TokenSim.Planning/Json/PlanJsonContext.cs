using System.Text.Json.Serialization;

namespace TokenSim.Planning.Json;

/// <summary>
/// Source-generated (reflection-free) serialization of the plan's JSON document: snake_case keys from the records'
/// property names, indented as the document always was.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(PlanResultJson))]
[JsonSerializable(typeof(AutoscalePlanJson))]
public sealed partial class PlanJsonContext : JsonSerializerContext;
