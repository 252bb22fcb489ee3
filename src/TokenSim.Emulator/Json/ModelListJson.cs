namespace TokenSim.Emulator.Json;

/// <summary><c>GET /v1/models</c>: <c>{"object":"list","data":[…]}</c>.</summary>
internal sealed record ModelListJson(string Object, ModelCardJson[] Data);

/// <summary>One served model as vLLM describes it.</summary>
internal sealed record ModelCardJson(string Id, string Object, long Created, string OwnedBy, string Root, int MaxModelLen);
