using TokenSim.Twin.Shadow;

namespace TokenSim.Twin.Tests;

/// <summary>
/// A replica's window of applied event ids holds at most its capacity however many events it is fed (the soak feeds a
/// replica hundreds of thousands): the newest are kept, and a repeat older than the window is no longer caught. Once
/// full it keeps no object per event: the GC has nothing of the window's to promote.
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
        for (int i = 99_000; i < 100_000; i++) Assert.True(window.Contains($"e{i}"), $"e{i}");
        for (int i = 0; i < 99_000; i++) Assert.False(window.Contains($"e{i}"), $"e{i}");
    }

    [Fact]
    public void ARepeatInsideTheWindow_TakesNoSecondPlace()
    {
        var window = new SeenEventWindow(3);
        foreach (var id in new[] { "a", "b", "a", "c", "a" }) window.Add(id);
        Assert.Equal(3, window.Count);
        // "a" was added once, so it is the oldest and goes first; "b" and "c" stay.
        window.Add("d");
        Assert.False(window.Contains("a"));
        Assert.True(window.Contains("b") && window.Contains("c") && window.Contains("d"));
        window.Add("e");
        Assert.False(window.Contains("b"));
        Assert.True(window.Contains("c") && window.Contains("d") && window.Contains("e"));
    }

    [Fact]
    public void GrowingPastItsFirstArrays_KeepsTheOrder()
    {
        // The ring starts at 1,024 slots and doubles: evictions after it wrapped and grew must still go oldest first.
        var window = new SeenEventWindow(5000);
        for (int i = 0; i < 5000; i++) window.Add($"id-{i}");
        for (int i = 5000; i < 7500; i++) window.Add($"id-{i}");
        Assert.Equal(5000, window.Count);
        Assert.False(window.Contains("id-2499"));
        for (int i = 2500; i < 7500; i++) Assert.True(window.Contains($"id-{i}"), $"id-{i}");
    }

    [Fact]
    public void AFullWindow_AllocatesNothingPerEvent()
    {
        var window = new SeenEventWindow(4096);
        var ids = Enumerable.Range(0, 20_000).Select(i => $"p3-{i}").ToArray();
        for (int i = 0; i < 8192; i++) window.Add(ids[i]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 8192; i < ids.Length; i++)
        {
            window.Contains(ids[i]);
            window.Add(ids[i]);
        }
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void IdsOfEveryLength_AreTold_Apart()
    {
        // Up to the contract's 128 characters, multi-byte ones included, and one past it (hashed all the same).
        var window = new SeenEventWindow(1000);
        var ids = Enumerable.Range(1, 129).Select(n => new string('é', n)).Concat(Enumerable.Range(1, 129).Select(n => new string('x', n))).ToArray();
        foreach (var id in ids) window.Add(id);
        Assert.Equal(ids.Length, window.Count);
        Assert.All(ids, id => Assert.True(window.Contains(id)));
        Assert.False(window.Contains(new string('x', 130)));
    }
}
