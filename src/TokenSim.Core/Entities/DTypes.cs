namespace TokenSim.Core.Entities;

/// <summary>Element sizes of the data types a model or KV cache can be stored in.</summary>
public static class DTypes
{
    public static int Bytes(string dtype) => Normalize(dtype) switch
    {
        "fp32" => 4,
        "bf16" or "fp16" => 2,
        "fp8" or "int8" => 1,
        "int4" or "fp4" => 1, // packed two per byte; counted as one so KV sizes stay whole (documented approximation)
        _ => throw new ArgumentException($"Unknown dtype '{dtype}'. Known: float32, bfloat16, float16, fp8, int8."),
    };

    /// <summary>Maps Hugging Face and vLLM spellings (<c>bfloat16</c>, <c>half</c>, <c>float8_e4m3fn</c>) to short names.</summary>
    public static string Normalize(string dtype) => dtype.Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" or "float" => "fp32",
        "bfloat16" or "bf16" => "bf16",
        "float16" or "fp16" or "half" => "fp16",
        "fp8" or "float8" or "float8_e4m3fn" or "fp8_e4m3" or "fp8_e5m2" => "fp8",
        "int8" => "int8",
        "int4" => "int4",
        "fp4" or "nvfp4" => "fp4",
        var other => other,
    };
}
