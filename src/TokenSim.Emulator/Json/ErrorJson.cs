namespace TokenSim.Emulator.Json;

/// <summary>vLLM's error body: <c>{"object":"error","message","type","param","code"}</c>.</summary>
internal sealed record ErrorJson(string Object, string Message, string Type, string? Param, int Code)
{
    public static ErrorJson Of(int status, string message, string type, string? param) => new("error", message, type, param, status);
}
