using System.Text.Json.Serialization;

namespace TokenSim.Server.Gateway;

/// <summary>Source-generated serialization of what the gateway sends the replicas: snake_case keys, compact, absent fields left out.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(TokenizeRequestJson))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
