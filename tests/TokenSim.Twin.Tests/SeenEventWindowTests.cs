using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// A replica's window of applied event ids holds at most its capacity however many events it is fed (the soak feeds a
/// replica hundreds of thousands): the newest are kept, and a repeat older than the window is no longer caught.
/// </summary>
public sealed class SeenEventWindowTests
{
    [Fact]
    public void ManyEventsIn_HoldsOnlyTheNewestCapacity()
    {
        var window = new SeenEventWindow(1000);
        for (int i = 0; i < 100_000; i++)
        {
            window.Add($"e{i}");
            Assert.True(window.Count <= 1000);
        }
        Assert.Equal(1000, window.Count);
        Assert.Equal(1000, window.InOrder.Count());
        Assert.Equal("e99000", window.InOrder.First());
        Assert.True(window.Contains("e99999"));
        Assert.True(window.Contains("e99000"));
        Assert.False(window.Contains("e98999"));
    }

    [Fact]
    public void ARepeatInsideTheWindow_TakesNoSecondPlace()
    {
        var window = new SeenEventWindow(3);
        foreach (var id in new[] { "a", "b", "a", "c", "a" }) window.Add(id);
        Assert.Equal(3, window.Count);
        Assert.Equal(["a", "b", "c"], window.InOrder);
        window.Add("d");
        Assert.Equal(["b", "c", "d"], window.InOrder);
        Assert.False(window.Contains("a"));
    }
}
