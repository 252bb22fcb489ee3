using System.Text.Json.Serialization;

namespace TokenSim.Server.Demo;

/// <summary>Source-generated, snake_case, with System.Text.Json's default encoder (the bytes the anonymous object made).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(DemoChatRequest))]
internal sealed partial class DemoJsonContext : JsonSerializerContext;
