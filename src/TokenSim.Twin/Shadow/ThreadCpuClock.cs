using System.Diagnostics;
using System.Runtime.InteropServices;

namespace TokenSim.Twin.Shadow;

/// <summary>
/// The CPU time the calling thread has used (Linux: <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>), so a forecast's
/// cost is what it computed, not how long other processes kept it waiting; elsewhere, wall time.
/// </summary>
internal static class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec time);

    public static double Seconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTimeId, out var t) == 0) return t.Seconds + t.Nanoseconds / 1e9;
        return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
    }
}
