using System.Globalization;
using TokenSim.Core.Entities;
using TokenSim.Core.Workload;
using TokenSim.Core.Yaml;

namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// The output of NVIDIA's nccl-tests (<c>all_reduce_perf</c>, <c>all_gather_perf</c>, <c>reduce_scatter_perf</c>,
/// <c>sendrecv_perf</c>) as it prints it, one <c>&lt;test&gt;.txt</c> per collective in a folder whose <c>meta.yaml</c>
/// describes the pair of GPUs: <c>gpu</c>, <c>compute_capability</c>, <c>link</c> (<c>name</c>, <c>bandwidth_bytes_per_s</c>),
/// <c>peer_to_peer</c>, <c>ranks</c> (default 2) and <c>source</c>. The out-of-place time is read (µs), by size in bytes
/// as nccl-tests counts it (the gathered output for all-gather, the input for reduce-scatter).
/// </summary>
/// <remarks>Anyone with GPUs can add their own: run the tests, save each output as it is, and write the meta.yaml.</remarks>
public sealed class NcclTestsProfile : IOperatorProfile
{
    private NcclTestsProfile(string source, string gpu, LinkSpec link, double cc, bool p2p, int ranks, IReadOnlyList<ProfileTable> tables)
    {
        Source = source;
        Gpu = gpu;
        Link = link;
        ComputeCapability = cc;
        PeerToPeer = p2p;
        Ranks = ranks;
        Tables = tables;
    }

    public string Source { get; }
    public string Format => "nccl-tests";
    public string Gpu { get; }
    public LinkSpec Link { get; }
    public double ComputeCapability { get; }
    public bool PeerToPeer { get; }
    public int Ranks { get; }
    public IReadOnlyList<ProfileTable> Tables { get; }

    public static bool Detect(string dir) => File.Exists(Path.Combine(dir, "meta.yaml")) && Directory.EnumerateFiles(dir, "*_perf.txt").Any();

    public static NcclTestsProfile Read(string dir)
    {
        var meta = Path.Combine(dir, "meta.yaml");
        var root = ProfileMetaYaml.Read<NcclTestsMetaYaml>(meta);
        if (root is not { Shape: YamlShape.Mapping }) throw new ProfileFormatException(meta, null, "the document is not a mapping");
        string Text(YamlPositioned? node, string path) => ProfileMetaYaml.Scalar(node) ?? throw new ProfileFormatException(meta, path, "is missing");
        double Number(YamlPositioned? node, string path) =>
            double.TryParse(Text(node, path), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && d > 0 ? d
            : throw new ProfileFormatException(meta, path, $"'{Text(node, path)}' is not a positive number");
        var linkNode = root.Link is { Shape: YamlShape.Mapping } lm ? lm : throw new ProfileFormatException(meta, "link", "is missing");
        var link = new LinkSpec(Text(linkNode.Name, "link.name"), Number(linkNode.BandwidthBytesPerS, "link.bandwidth_bytes_per_s"), 1e-5);
        bool p2p = Text(root.PeerToPeer, "peer_to_peer").ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            var raw => throw new ProfileFormatException(meta, "peer_to_peer", $"'{raw}' is not true or false"),
        };
        int ranks = root.Ranks is not null ? (int)Number(root.Ranks, "ranks") : 2;
        var tables = new List<ProfileTable>();
        foreach (var file in Directory.EnumerateFiles(dir, "*_perf.txt").Order(StringComparer.Ordinal))
        {
            var points = new List<(double[], double)>();
            int line = 0;
            foreach (var text in File.ReadLines(file))
            {
                line++;
                if (text.TrimStart().StartsWith('#') || text.Trim().Length == 0) continue;
                var cells = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (cells.Length < 8) throw new WorkloadFormatException(file, line, null, $"expected nccl-tests columns (size count type redop root time algbw busbw …), got {cells.Length}");
                double Cell(int i, string name) => double.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v
                    : throw new WorkloadFormatException(file, line, name, $"'{cells[i]}' is not a number");
                double size = Cell(0, "size"), us = Cell(5, "time");
                if (size <= 0) continue; // nccl-tests prints zero-size rows for all-gather below its first whole element
                if (us <= 0) throw new WorkloadFormatException(file, line, "time", $"'{cells[5]}' is not a positive time");
                points.Add((new[] { size }, us * 1e-6));
            }
            if (points.Count == 0) throw new WorkloadFormatException(file, 1, null, "the file has no rows");
            var name = Path.GetFileNameWithoutExtension(file);
            tables.Add(new ProfileTable(file, name, ProfileReader.Grid(name, ["size_bytes"], points)));
        }
        return new NcclTestsProfile(dir, Text(root.Gpu, "gpu"), link, Number(root.ComputeCapability, "compute_capability"), p2p, ranks, tables);
    }
}
