using TokenSim.Core.Workload;

namespace TokenSim.Cli;

/// <summary>Turns the errors a user can cause (bad options, files, rows) into one line on stderr and exit code 1.</summary>
internal static class CliErrors
{
    public static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is ArgumentException or FormatException or FileNotFoundException or DirectoryNotFoundException or WorkloadFormatException or IOException or InvalidDataException)
        {
            Console.Error.WriteLine($"error: {TerminalText.Escape(e.Message)}");
            if (Environment.GetEnvironmentVariable("TOKENSIM_DEBUG") is not null) Console.Error.WriteLine(e);
            return 1;
        }
        catch (Grpc.Core.RpcException e)
        {
            Console.Error.WriteLine($"error: the twin server answered {e.StatusCode}: {TerminalText.Escape(e.Status.Detail)}");
            if (Environment.GetEnvironmentVariable("TOKENSIM_DEBUG") is not null) Console.Error.WriteLine(e);
            return 1;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("TOKENSIM_DEBUG") is null)
        {
            // A defect, not the user's input: still one line (and exit 70, EX_SOFTWARE), with the way to the stack trace.
            Console.Error.WriteLine($"error: internal error, {e.GetType().Name}: {TerminalText.Escape(e.Message)} (run with TOKENSIM_DEBUG=1 for the stack trace)");
            return 70;
        }
    }
}
