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
            Console.Error.WriteLine($"error: {e.Message}");
            if (Environment.GetEnvironmentVariable("TOKENSIM_DEBUG") is not null) Console.Error.WriteLine(e);
            return 1;
        }
        catch (Grpc.Core.RpcException e)
        {
            Console.Error.WriteLine($"error: the twin server answered {e.StatusCode}: {e.Status.Detail}");
            if (Environment.GetEnvironmentVariable("TOKENSIM_DEBUG") is not null) Console.Error.WriteLine(e);
            return 1;
        }
    }
}
