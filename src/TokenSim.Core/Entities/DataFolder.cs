namespace TokenSim.Core.Entities;

/// <summary>The repository's <c>data</c> folder, where measured tables too large to embed are read from at run time.</summary>
public static class DataFolder
{
    /// <summary>
    /// The <c>data</c> folder above <paramref name="start"/> (a build output folder such as
    /// <c>src/TokenSim.Cli/bin/Release/net10.0</c>), so it is found from any working directory; null if none.
    /// </summary>
    public static string? Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "data", "profiles");
            if (Directory.Exists(candidate)) return Path.Combine(dir.FullName, "data");
        }
        return null;
    }

    /// <summary>The data folder above the running assembly, else above the working directory; null if neither has one.</summary>
    public static string? Default { get; } = Find(AppContext.BaseDirectory) ?? Find(Directory.GetCurrentDirectory());
}
