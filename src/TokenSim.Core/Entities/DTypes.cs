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

    /// <summary>
    /// Bytes a stored weight element takes with its block scales, where <see cref="Bytes"/> rounds 4-bit types up to
    /// one: FP4 is NVFP4 (two values a byte plus one FP8 E4M3 scale per 16 values: NVIDIA, "Introducing NVFP4 for
    /// efficient and accurate low-precision inference", 2025), INT4 is GPTQ/AWQ's default (a 16-bit scale per group of
    /// 128). Other types carry no block scales here.
    /// </summary>
    public static double WeightBytes(string dtype) => Normalize(dtype) switch
    {
        "fp4" => 0.5 + 1.0 / 16,
        "int4" => 0.5 + 2.0 / 128,
        var d => Bytes(d),
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
