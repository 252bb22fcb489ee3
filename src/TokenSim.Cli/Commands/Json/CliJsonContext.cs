using System.Text.Json.Serialization;

namespace TokenSim.Cli.Commands.Json;

/// <summary>Source-generated serialization of the CLI's JSON documents: snake_case keys, indented.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(BenchValidationJson))]
[JsonSerializable(typeof(ComparisonJson))]
[JsonSerializable(typeof(OpsValidationJson))]
[JsonSerializable(typeof(ReplayForecastJson))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
