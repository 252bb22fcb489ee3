using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// The lengths a forecast draws its arrivals' from are the traffic window's arrivals', as its rate is: a shift in the
/// lengths shows once the window has passed it, not after the length window's 256 arrivals.
/// </summary>
public sealed class ForecastTrafficLengthsTests
{
    [Fact]
    public void Lengths_AreTheWindowsArrivals()
    {
        // Window 10 s: 50 short requests (max_tokens 100) at 1 a second from 0 to 49 s, then 5 long ones (300) at 50-54 s.
        // At 54 s the window (44, 54] holds 5 short ones (45-49 s) and the 5 long ones: mean max_tokens 200.
        var model = new TrafficModel(windowSeconds: 10);
        for (int i = 0; i < 50; i++) model.Observe(i, 10, 100);
        for (int i = 50; i < 55; i++) model.Observe(i, 20, 300);
        var t = model.Estimate(54);
        Assert.Equal([100, 100, 100, 100, 100, 300, 300, 300, 300, 300], t.MaxTokens);
        Assert.Equal(200.0, t.MaxTokens.Average());
        Assert.Equal(t.MaxTokens.Length, t.PromptTokens.Length);
        Assert.Equal(t.MaxTokens.Length, model.Sources().Length);
    }

    [Fact]
    public void Lengths_KeepTheLatestArrival_AfterTheTrafficStops()
    {
        // The stream stopped 100 s ago: the window holds no arrival, and the lengths hold the latest one, so a forecast
        // with more traffic (a multiplier) still has a request to copy.
        var model = new TrafficModel(windowSeconds: 10);
        model.Observe(0, 10, 100);
        model.Observe(1, 20, 200);
        model.Observe(2, 30, 300);
        var t = model.Estimate(100);
        Assert.Equal(0, t.RatePerSecond);
        // 0 and 1 s are within 10 s of the latest arrival (2 s): all three kept.
        Assert.Equal([100, 200, 300], t.MaxTokens);
        model.Observe(30, 40, 400);
        Assert.Equal([400], model.Estimate(100).MaxTokens);
    }

    [Fact]
    public void Lengths_AreCappedByTheLengthWindow()
    {
        // 100 arrivals in 1 s, a length window of 8: the latest 8, although all are within the traffic window.
        var model = new TrafficModel(windowSeconds: 10, lengthWindow: 8);
        for (int i = 0; i < 100; i++) model.Observe(i / 100.0, 10, i + 1);
        Assert.Equal(Enumerable.Range(93, 8), model.Estimate(1).MaxTokens);
    }
}
