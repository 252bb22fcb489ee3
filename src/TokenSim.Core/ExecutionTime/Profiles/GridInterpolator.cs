namespace TokenSim.Core.ExecutionTime.Profiles;

/// <summary>
/// Interpolates a measured table over N axes whose grid need not be a full product (profilers sample a
/// different set of KV lengths for each chunk size, say). Points are organised as a tree, one axis per level.
/// A query walks the axes in order. At each level it takes the child at the exact coordinate when one exists.
/// Otherwise it evaluates the nearest children below and above and interpolates linearly between them.
/// </summary>
/// <remarks>
/// Linear in the raw coordinate, not in its log. Kernel times are close to affine in tokens and KV length (a
/// fixed launch cost plus work), and linear interpolation reproduces an affine function exactly on any grid,
/// however the points are spaced. Log-space interpolation bends an affine function between points spaced ×2.
/// The interpolant is exact at measured points and lies between its two neighbours, so it is monotone wherever
/// the data are. Beyond the grid it extends the last segment's slope, never downward: a time does not fall past
/// the largest size measured. Below the grid it holds the first value.
/// </remarks>
public sealed class GridInterpolator
{
    private readonly Node _root;

    public GridInterpolator(string name, string[] axes, IEnumerable<(double[] Key, double Value)> points)
    {
        Name = name;
        Axes = axes;
        var list = points.ToList();
        if (list.Count == 0) throw new ArgumentException($"{name}: no measured points.");
        foreach (var (k, v) in list)
        {
            if (k.Length != axes.Length) throw new ArgumentException($"{name}: a point has {k.Length} coordinates, expected {axes.Length}.");
            if (!double.IsFinite(v)) throw new ArgumentException($"{name}: a measured value is not finite at ({string.Join(", ", k)}).");
        }
        Points = list;
        _root = Build(list.Select((p, i) => (p.Key, p.Value, i)).ToList(), 0);
    }

    public string Name { get; }
    public string[] Axes { get; }
    public IReadOnlyList<(double[] Key, double Value)> Points { get; }

    public double Evaluate(params double[] x) => Evaluate((ReadOnlySpan<double>)x);

    public double Evaluate(ReadOnlySpan<double> x)
    {
        bool _ = true;
        return Eval(_root, x, -1, ref _);
    }

    /// <summary>
    /// Predicts each point with that point left out, using exactly the evaluation the simulator uses. Points that
    /// would need extrapolation at any axis once left out (the edges of the grid) are not interior and are skipped.
    /// </summary>
    public IEnumerable<(double[] Key, double Measured, double Predicted)> LeaveOneOut()
    {
        for (int i = 0; i < Points.Count; i++)
        {
            bool interior = true;
            double predicted = Eval(_root, Points[i].Key, i, ref interior);
            if (interior) yield return (Points[i].Key, Points[i].Value, predicted);
        }
    }

    private sealed class Node
    {
        public double[] Keys = [];
        public Node[] Children = [];   // internal levels
        public double[] Values = [];   // leaf level
        public int[] Ids = [];         // leaf level: point index, for leave-one-out
        public int Count;              // points below this node
    }

    private Node Build(List<(double[] Key, double Value, int Id)> pts, int level)
    {
        var groups = pts.GroupBy(p => p.Key[level]).OrderBy(g => g.Key).ToArray();
        var node = new Node { Keys = groups.Select(g => g.Key).ToArray(), Count = pts.Count };
        if (level == Axes.Length - 1)
        {
            foreach (var g in groups)
                if (g.Count() > 1) throw new ArgumentException($"{Name}: duplicate measurement at ({string.Join(", ", g.First().Key)}).");
            node.Values = groups.Select(g => g.First().Value).ToArray();
            node.Ids = groups.Select(g => g.First().Id).ToArray();
        }
        else
        {
            node.Children = groups.Select(g => Build(g.ToList(), level + 1)).ToArray();
        }
        return node;
    }

    private bool IsEmpty(Node node, int index, int excluded) =>
        excluded >= 0 && (node.Children.Length == 0 ? node.Ids[index] == excluded : node.Children[index].Count == 1 && Contains(node.Children[index], excluded));

    private static bool Contains(Node n, int id) => n.Children.Length == 0 ? Array.IndexOf(n.Ids, id) >= 0 : n.Children.Any(c => Contains(c, id));

    private double Value(Node node, int index, ReadOnlySpan<double> x, int excluded, ref bool interior) =>
        node.Children.Length == 0 ? node.Values[index] : Eval(node.Children[index], x[1..], excluded, ref interior);

    private double Eval(Node node, ReadOnlySpan<double> x, int excluded, ref bool interior)
    {
        double q = x[0];
        var keys = node.Keys;
        int at = Array.BinarySearch(keys, q);
        if (at >= 0 && !IsEmpty(node, at, excluded)) return Value(node, at, x, excluded, ref interior);
        int hi = at >= 0 ? at + 1 : ~at;
        int lo = (at >= 0 ? at : ~at) - 1;
        while (lo >= 0 && IsEmpty(node, lo, excluded)) lo--;
        while (hi < keys.Length && IsEmpty(node, hi, excluded)) hi++;
        if (lo >= 0 && hi < keys.Length)
        {
            double a = Value(node, lo, x, excluded, ref interior), b = Value(node, hi, x, excluded, ref interior);
            return a + (b - a) * (q - keys[lo]) / (keys[hi] - keys[lo]);
        }
        interior = false;
        if (hi < keys.Length) return Value(node, hi, x, excluded, ref interior); // below the grid: hold the first value
        // Above the grid: extend the last segment, never downward.
        int prev = lo - 1;
        while (prev >= 0 && IsEmpty(node, prev, excluded)) prev--;
        double last = Value(node, lo, x, excluded, ref interior);
        if (prev < 0) return last;
        double before = Value(node, prev, x, excluded, ref interior);
        double slope = Math.Max(0, (last - before) / (keys[lo] - keys[prev]));
        return last + slope * (q - keys[lo]);
    }
}
