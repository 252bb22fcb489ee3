using OpenTelemetry.Exporter;

namespace TokenSim.Emulator.Tests;

public sealed class OtlpTracesTargetTests
{
    [Theory]
    [InlineData("grpc://collector:4317", null, "http://collector:4317/", OtlpExportProtocol.Grpc)]
    [InlineData("collector:4317", "grpc", "http://collector:4317/", OtlpExportProtocol.Grpc)]
    [InlineData("https://collector:4317", null, "https://collector:4317/", OtlpExportProtocol.Grpc)]
    [InlineData("http://twin:4318/v1/traces", "http/protobuf", "http://twin:4318/v1/traces", OtlpExportProtocol.HttpProtobuf)]
    public void Endpoint_and_protocol_are_read_as_vllm_reads_them(string endpoint, string? protocol, string uri, OtlpExportProtocol expected)
    {
        var t = OtlpTracesTarget.Parse(endpoint, protocol);
        Assert.Equal(new Uri(uri), t.Endpoint);
        Assert.Equal(expected, t.Protocol);
    }

    [Theory]
    [InlineData("http/json")]
    [InlineData("GRPC")]
    [InlineData("")]
    public void An_unknown_protocol_is_an_error_naming_the_variable(string protocol)
    {
        var e = Assert.Throws<ArgumentException>(() => OtlpTracesTarget.Parse("http://x:4317", protocol));
        Assert.StartsWith("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL must be grpc or http/protobuf", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("not a url", null)]
    [InlineData("ftp://host:4317", null)]
    [InlineData("collector:4318/v1/traces", "http/protobuf")]
    [InlineData("grpc://host:4318/v1/traces", "http/protobuf")]
    public void A_malformed_endpoint_is_an_error_naming_the_flag(string endpoint, string? protocol)
    {
        var e = Assert.Throws<ArgumentException>(() => OtlpTracesTarget.Parse(endpoint, protocol));
        Assert.StartsWith("--otlp-traces-endpoint must be", e.Message);
        Assert.Contains(endpoint, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
