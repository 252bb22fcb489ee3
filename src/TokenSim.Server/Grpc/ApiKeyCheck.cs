using System.Security.Cryptography;
using System.Text;

namespace TokenSim.Server.Grpc;

/// <summary>
/// The server's one API-key rule (<c>--api-key</c>), shared by the gRPC services (<see cref="ApiKeyInterceptor"/>)
/// and the OTLP receivers, so that both transports refuse the same calls with the same words.
/// </summary>
public static class ApiKeyCheck
{
    public const string Header = "x-api-key";

    /// <summary>Null when a call carrying <paramref name="given"/> may proceed; else why it is UNAUTHENTICATED.</summary>
    /// <param name="key">The server's key; null: no key, every call proceeds.</param>
    public static string? Refusal(string? key, string? given)
    {
        if (key is null) return null;
        if (given is null) return $"this server requires an API key in the '{Header}' header";
        // Constant time: the comparison must not tell an attacker how much of a guess was right.
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(key)) ? null : $"the API key in '{Header}' is not valid";
    }
}
