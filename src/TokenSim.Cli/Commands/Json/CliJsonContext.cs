using System.Text.Json.Serialization;

namespace TokenSim.Cli.Commands.Json;

/// <summary>Source-generated serialization of the CLI's JSON documents: snake_case keys, indented.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(BenchValidationJson))]
[JsonSerializable(typeof(OpsValidationJson))]
[JsonSerializable(typeof(ReplayForecastJson))]
[JsonSerializable(typeof(ReplayJson))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
