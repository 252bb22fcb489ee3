namespace TokenSim.Cli;

/// <summary>
/// Checks, before a run, that the files a run will write can be written: a run of minutes should not end in
/// "could not find a part of the path" with its results lost.
/// </summary>
internal static class OutputPaths
{
    /// <summary>Throws naming <paramref name="flag"/> when <paramref name="path"/> cannot be created or overwritten.</summary>
    public static void CheckFile(string flag, string? path)
    {
        if (path is null) return;
        if (path.Length == 0) throw new ArgumentException($"{flag}: the file name is empty.");
        if (Directory.Exists(path)) throw new ArgumentException($"{flag} {path}: is a folder, not a file.");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(dir)) throw new ArgumentException($"{flag} {path}: the folder {dir} does not exist.");
        bool existed = File.Exists(path);
        try
        {
            // Opening for writing is the only reliable test (permissions, read-only mounts, ACLs); a file that did not
            // exist is removed again so a failed run leaves nothing behind.
            using (new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite)) { }
            if (!existed) File.Delete(path);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ArgumentException($"{flag} {path}: cannot be written: {e.Message}", e);
        }
    }

    /// <summary>Throws naming <paramref name="flag"/> when the folder <paramref name="path"/> cannot be created or written into.</summary>
    public static void CheckFolder(string flag, string? path)
    {
        if (path is null) return;
        if (File.Exists(path)) throw new ArgumentException($"{flag} {path}: is a file, not a folder.");
        var full = Path.GetFullPath(path);
        var existing = full;
        while (!Directory.Exists(existing)) existing = Path.GetDirectoryName(existing) ?? throw new ArgumentException($"{flag} {path}: no part of the path exists.");
        var probe = Path.Combine(existing, $".tokensim-write-test-{Environment.ProcessId}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write)) { }
            File.Delete(probe);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ArgumentException($"{flag} {path}: cannot be written: {e.Message}", e);
        }
    }

    /// <summary>
    /// A path a config file names, resolved against the config file's folder (as a relative include would be), so
    /// the run writes beside its config wherever it is started from; an absolute path stays as it is.
    /// </summary>
    public static string BesideConfig(string configPath, string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath))!, path);
}
