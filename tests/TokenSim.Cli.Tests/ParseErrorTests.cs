namespace TokenSim.Cli.Tests;

/// <summary>A command line that does not parse is one line on stderr, naming the problem and the likely intent; stdout stays empty.</summary>
public sealed class ParseErrorTests
{
    [Theory]
    [InlineData(new[] { "simulate", "--replica", "2" }, "error: unknown option --replica for 'tokensim simulate'; did you mean --replicas? ('tokensim simulate --help' lists them)")]
    [InlineData(new[] { "simulate", "--frobnicate" }, "error: unknown option --frobnicate for 'tokensim simulate' ('tokensim simulate --help' lists them)")]
    [InlineData(new[] { "simulat" }, "error: unknown command 'simulat' for 'tokensim'; did you mean 'simulate'? (known: simulate, validate, sweep, emulate, replay, plan, forecast)")]
    [InlineData(new string[0], "error: 'tokensim' needs a command: simulate, validate, sweep, emulate, replay, plan, forecast ('tokensim --help' says what each does)")]
    [InlineData(new[] { "emulate", "--tp", "abc" }, "error: --tp: 'abc' is not an integer")]
    [InlineData(new[] { "emulate", "--kv-events-format", "yaml" }, "error: --kv-events-format: 'yaml' is not one of array, map")]
    [InlineData(new[] { "plan", "--config", "p.yaml", "--parallel", "many" }, "error: --parallel: 'many' is not an integer")]
    public void BadCommandLine_IsOneLine_WithNothingOnStdout(string[] args, string expected)
    {
        var (code, stdout, stderr) = CliProcess.Run(args);
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Equal(expected, stderr.TrimEnd('\n', '\r'));
        Assert.DoesNotContain("System.", stderr);
    }
}
