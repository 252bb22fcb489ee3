using TokenSim.Core.Workload;

namespace TokenSim.Core.Tests;

public class TraceReaderTests
{
    [Theory]
    [InlineData("traces/vidur/splitwise_conv.csv", TraceFormat.Vidur, 19366)]
    [InlineData("traces/vidur/splitwise_code.csv", TraceFormat.Vidur, 8819)]
    [InlineData("traces/azure2023/AzureLLMInferenceTrace_conv.csv", TraceFormat.Azure, 19366)]
    [InlineData("traces/azure2023/AzureLLMInferenceTrace_code.csv", TraceFormat.Azure, 8819)]
    [InlineData("traces/mooncake/conversation_trace.jsonl", TraceFormat.Mooncake, 12031)]
    [InlineData("traces/llmservingsim/sharegpt-llama-3.1-8b-300-sps10.jsonl", TraceFormat.LlmServingSim, 300)]
    [InlineData("reference/vidur-runs/workloads/workload_2000req_qps2_seed42.csv.gz", TraceFormat.Vidur, 2000)]
    public void RealFile_IsDetectedAndReadCompletely(string relative, TraceFormat format, int rows)
    {
        var trace = TraceReader.ReadFile(TestSupport.DataFile(relative.Split('/')));
        Assert.Equal(format, trace.Format);
        Assert.Equal(rows, trace.Requests.Count);
        Assert.True(trace.HasArrivals);
        Assert.All(trace.Requests, r => Assert.True(r.PromptTokens >= 1 && r.OutputTokens >= 0 && r.ArrivalTime >= 0));
    }

    [Fact]
    public void Azure_FirstRowsMatchTheFile_AndTimesAreSecondsFromTheFirst()
    {
        var trace = TraceReader.ReadFile(TestSupport.DataFile("traces", "azure2023", "AzureLLMInferenceTrace_conv.csv"));
        // 2023-11-16 18:15:46.6805900,374,44 then 18:15:50.9951690,396,109
        Assert.Equal((0.0, 374, 44), (trace.Requests[0].ArrivalTime, trace.Requests[0].PromptTokens, trace.Requests[0].OutputTokens));
        Assert.Equal(4.314579, trace.Requests[1].ArrivalTime, 6);
        // The Vidur preprocessing of the same trace agrees row for row.
        var vidur = TraceReader.ReadFile(TestSupport.DataFile("traces", "vidur", "splitwise_conv.csv"));
        Assert.Equal(vidur.Requests[100].PromptTokens, trace.Requests[100].PromptTokens);
        Assert.Equal(vidur.Requests[100].ArrivalTime, trace.Requests[100].ArrivalTime, 5);
    }

    [Fact]
    public void Mooncake_KeepsHashIds_AndConvertsMilliseconds()
    {
        var trace = TraceReader.ReadFile(TestSupport.DataFile("traces", "mooncake", "conversation_trace.jsonl"));
        Assert.Equal(6758, trace.Requests[0].PromptTokens);
        Assert.Equal(14, trace.Requests[0].PrefixHashes!.Length); // ceil(6758 / 512)
        Assert.Equal(3536.999, trace.Requests[^1].ArrivalTime, 9);
    }

    [Fact]
    public void LlmServingSim_KeepsTokenIds()
    {
        var trace = TraceReader.ReadFile(TestSupport.DataFile("traces", "llmservingsim", "sharegpt-llama-3.1-8b-300-sps10.jsonl"));
        Assert.Equal(2358, trace.Requests[0].PromptTokens);
        Assert.Equal(531, trace.Requests[0].OutputTokens);
        Assert.Equal(2358, trace.Requests[0].TokenIds!.Length);
        Assert.Equal(0.046926808, trace.Requests[0].ArrivalTime, 12);
    }

    [Fact]
    public void Csv_QuotedCellsAndBlankLines_AreReadAsRfc4180()
    {
        // A quoted header name, quoted numbers, a CRLF row and blank lines before the header and between rows.
        var content = "\n\"arrived_at\",num_prefill_tokens,\"num_decode_tokens\"\r\n\"0.5\", 10 ,\"20\"\n\n1.0,30,40\n";
        var trace = TraceReader.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)), "quoted.csv");
        Assert.Equal(TraceFormat.Vidur, trace.Format);
        Assert.Equal([(0.5, 10, 20), (1.0, 30, 40)], trace.Requests.Select(r => (r.ArrivalTime, r.PromptTokens, r.OutputTokens)));
    }

    [Fact]
    public void Csv_BadRowAfterAQuotedLineBreak_NamesTheLineItStartsOn()
    {
        // The second row's quoted cell spans two lines, so the bad row starts on line 5, not the fourth line read.
        var content = "arrived_at,num_prefill_tokens,num_decode_tokens,note\n0,1,2,x\n0,1,2,\"two\nlines\"\n0,x,2,y\n";
        var e = Assert.Throws<WorkloadFormatException>(() => TraceReader.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)), "multi.csv"));
        Assert.Equal("multi.csv:5: field 'num_prefill_tokens': 'x' is not a non-negative integer token count", e.Message);
    }

    [Theory]
    [InlineData("arrived_at,num_prefill_tokens,num_decode_tokens\n0.0,374,44\n1.5,abc,10\n", 3, "num_prefill_tokens", "'abc'")]
    [InlineData("arrived_at,num_prefill_tokens,num_decode_tokens\n0.0,374,44\n-2,10,10\n", 3, "arrived_at", "non-negative")]
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,374,44\nyesterday,10,10\n", 3, "TIMESTAMP", "not a timestamp")]
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,374\n", 2, "GeneratedTokens", "missing")]
    [InlineData("{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 5, \"hash_ids\": [0]}\n{\"timestamp\": 5, \"input_length\": 10}\n", 2, "output_length", "missing")]
    [InlineData("{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 5, \"hash_ids\": [\"x\"]}\n", 1, "hash_ids", "not an integer")]
    [InlineData("{\"input_toks\": 10, \"output_toks\": 5, \"arrival_time_ns\": 1}\n{\"input_toks\": 10, \"output_toks\": 5, \"arrival_time_ns\": 2\n", 2, null, "not valid JSON")]
    [InlineData("{\"input_toks\": 10.5, \"output_toks\": 5, \"arrival_time_ns\": 1}\n", 1, "input_toks", "integer")]
    [InlineData("prompt,output\n1,2\n", 1, null, "unrecognised CSV header")]
    public void BadRow_NamesFileLineAndField(string content, int line, string? field, string problem)
    {
        var path = Path.Combine(Path.GetTempPath(), $"tokensim-bad-{Guid.NewGuid():N}.{(content.StartsWith('{') ? "jsonl" : "csv")}");
        File.WriteAllText(path, content);
        try
        {
            var e = Assert.Throws<WorkloadFormatException>(() => TraceReader.ReadFile(path));
            Assert.Equal(line, e.Line);
            Assert.Equal(field, e.Field);
            Assert.StartsWith($"{path}:{line}: ", e.Message);
            Assert.Contains(problem, e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
