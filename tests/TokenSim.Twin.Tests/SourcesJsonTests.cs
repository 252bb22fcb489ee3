using System.Text.Json;
using TokenSim.Server.Sources;
using TokenSim.Server.Sources.Otlp;
using TokenSim.Server.Sources.Scrape;

namespace TokenSim.Twin.Tests;

/// <summary>
/// <c>/sources/status</c> and <c>/sources/boot</c> through source-generated metadata write the bytes the reflection
/// serializer wrote with ASP.NET Core's JSON options (what <c>Results.Json(value)</c> used): camelCase keys, nulls,
/// and the relaxed encoder (an apostrophe and &lt; left as they are).
/// </summary>
public sealed class SourcesJsonTests
{
    private static readonly JsonSerializerOptions AspNetCore = new Microsoft.AspNetCore.Http.Json.JsonOptions().SerializerOptions;

    [Fact]
    public void TargetStatus_SameBytesAsTheReflectionSerializer()
    {
        IReadOnlyList<ScrapeService.TargetStatus> status =
        [
            new("llama", "http://10.0.0.1:8000/metrics", true, false, 1765100000.25, null, 12, 0),
            new("llama's <b>", "http://10.0.0.2:8000/metrics", false, true, null, "connection refused", 3, 3),
        ];
        string json = JsonSerializer.Serialize(status, SourcesJsonContext.Http.TargetStatuses);
        Assert.Equal(JsonSerializer.Serialize(status, AspNetCore), json);
        Assert.Equal(
            """[{"deployment":"llama","url":"http://10.0.0.1:8000/metrics","up":true,"stale":false,"lastSuccessUnixSeconds":1765100000.25,"lastError":null,"scrapes":12,"failures":0},""" +
            """{"deployment":"llama's <b>","url":"http://10.0.0.2:8000/metrics","up":false,"stale":true,"lastSuccessUnixSeconds":null,"lastError":"connection refused","scrapes":3,"failures":3}]""",
            json);
    }

    [Fact]
    public void BootSpans_SameBytesAsTheReflectionSerializer()
    {
        BootTimeline.BootSpan[] spans = [new("llama", "0", "vllm", "Load model", "load_model", 1765100000.5, 12.75), new("", "", "vllm", "Capture model", null, 1765100013.25, 14)];
        string json = JsonSerializer.Serialize(spans, SourcesJsonContext.Http.BootSpans);
        Assert.Equal(JsonSerializer.Serialize(spans, AspNetCore), json);
        Assert.Equal(
            """[{"deployment":"llama","replica":"0","service":"vllm","name":"Load model","function":"load_model","startUnixSeconds":1765100000.5,"durationSeconds":12.75},""" +
            """{"deployment":"","replica":"","service":"vllm","name":"Capture model","function":null,"startUnixSeconds":1765100013.25,"durationSeconds":14}]""",
            json);
    }
}
