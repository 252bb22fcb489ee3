namespace TokenSim.Server.Extensions;

/// <summary>The command line itself is wrong (an unknown flag, a flag without its value): exit code 2, as for a usage error.</summary>
public sealed class ServerUsageException(string message) : Exception(message);
