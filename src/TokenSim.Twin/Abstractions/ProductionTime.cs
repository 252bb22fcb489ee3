using System.Globalization;

namespace TokenSim.Twin.Abstractions;

/// <summary>
/// The window of production timestamps the twin accepts. One event far in the future would move its replica's clock
/// there for good (every later event LATE) and, as a deployment's first event, its clock origin: so an event is
/// refused, INVALID, unless it lies inside the protobuf <c>Timestamp</c> range, after the Unix epoch, and at most
/// <see cref="Hosting.TwinOptions.MaxAheadSeconds"/> ahead of the later of its deployment's clock and the silo's
/// wall clock.
/// </summary>
public static class ProductionTime
{
    /// <summary>google.protobuf.Timestamp's own range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.</summary>
    public const long MinProtobufSeconds = -62_135_596_800, MaxProtobufSeconds = 253_402_300_799;

    /// <summary>Why a protobuf timestamp (seconds, nanos) is not a valid one, or null.</summary>
    public static string? CheckProtobuf(long seconds, int nanos) =>
        seconds is < MinProtobufSeconds or > MaxProtobufSeconds || nanos is < 0 or > 999_999_999
            ? $"produced_at (seconds {seconds}, nanos {nanos}) is outside the protobuf Timestamp range, 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z"
            : null;

    /// <summary>
    /// Why <paramref name="unixSeconds"/> (a time, as <see cref="TwinEventRules"/> checks) is outside the accepted window, or null. <paramref name="clockUnixSeconds"/>
    /// is the deployment's clock (the latest production time it applied; null before its first event), and
    /// <paramref name="nowUnixSeconds"/> the silo's wall clock.
    /// </summary>
    public static string? CheckWindow(double unixSeconds, double? clockUnixSeconds, double nowUnixSeconds, double maxAheadSeconds, string deployment)
    {
        if (unixSeconds <= 0)
            return $"produced_at {Format(unixSeconds)} is outside the accepted window: it must be after the Unix epoch, 1970-01-01T00:00:00Z";
        double anchor = Math.Max(clockUnixSeconds ?? 0, nowUnixSeconds);
        if (unixSeconds > anchor + maxAheadSeconds)
            return $"produced_at {Format(unixSeconds)} is outside the accepted window: at most {maxAheadSeconds.ToString("G", CultureInfo.InvariantCulture)} s ahead of " +
                $"the later of deployment '{deployment}''s clock and the server's clock ({Format(anchor)})";
        return null;
    }

    /// <summary>ISO 8601 in UTC where a DateTimeOffset holds it, else plain Unix seconds.</summary>
    public static string Format(double unixSeconds) =>
        double.IsFinite(unixSeconds) && unixSeconds is >= MinProtobufSeconds and < MaxProtobufSeconds + 1
            ? DateTimeOffset.UnixEpoch.AddTicks((long)Math.Floor(unixSeconds * TimeSpan.TicksPerSecond)).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)
            : $"{unixSeconds.ToString("G", CultureInfo.InvariantCulture)} s after the Unix epoch";
}
