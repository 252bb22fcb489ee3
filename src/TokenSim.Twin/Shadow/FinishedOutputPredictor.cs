namespace TokenSim.Twin.Shadow;

/// <summary>
/// Predicts a request's output length, unknown until it finishes, from recently finished requests, capped by the
/// request's max_tokens. Two ways (<see cref="OutputPredictorKind"/>): the mean of recent output lengths, or the
/// mean of recent outputs as a fraction of their max_tokens applied to this request's max_tokens. Both condition on
/// the tokens a request has already produced. Before any request has finished, the prior is
/// <see cref="PriorTokens"/> when given, else the request's max_tokens (the only thing known about it then).
/// </summary>
/// <remarks>
/// Conditioning on the tokens already produced keeps the expected remaining length of a long-running request from
/// collapsing to one token once it passes the mean; at arrival (nothing produced) it is the plain mean.
/// </remarks>
public sealed class FinishedOutputPredictor(OutputPredictorKind kind = OutputPredictorKind.MaxTokensFraction, int window = 512, int? priorTokens = null)
{
    // The recent finished requests as a ring, oldest at _head, with each one's output / max_tokens computed once: the
    // predictions iterate them for every request of every prediction's clone (a tenth of the server's CPU under
    // bench/ingest as a queue divided per element). The arithmetic and its order are the queue's, so the predictions
    // are bit for bit the same.
    private int[] _outputs = [];
    private int[] _maxTokens = [];
    private double[] _fractions = [];
    private int _head, _count;

    public OutputPredictorKind Kind { get; } = kind;
    public int? PriorTokens { get; } = priorTokens is null or >= 1 ? priorTokens : throw new ArgumentOutOfRangeException(nameof(priorTokens), "The prior output length must be at least 1 token.");
    public int Window { get; } = window >= 1 ? window : throw new ArgumentOutOfRangeException(nameof(window), "The predictor's window must hold at least 1 request.");
    public int Count => _count;
    /// <summary>The finished requests learned from, oldest first.</summary>
    public IEnumerable<(int Output, int MaxTokens)> Recent
    {
        get
        {
            for (int k = 0; k < _count; k++)
            {
                int i = Slot(k);
                yield return (_outputs[i], _maxTokens[i]);
            }
        }
    }

    private int Slot(int k)
    {
        int i = _head + k;
        return i < _outputs.Length ? i : i - _outputs.Length;
    }

    /// <summary>A copy that learns no more: what a forecast run off the replica's turn draws from.</summary>
    public FinishedOutputPredictor Copy()
    {
        var copy = new FinishedOutputPredictor(Kind, Window, PriorTokens);
        foreach (var (output, max) in Recent) copy.Observe(output, max);
        return copy;
    }

    /// <summary>Learns one finished request: its output length and its max_tokens (both at least 1 token).</summary>
    public void Observe(int outputTokens, int maxTokens)
    {
        if (outputTokens < 1) throw new ArgumentOutOfRangeException(nameof(outputTokens), $"A finished request has at least 1 output token (got {outputTokens}).");
        if (maxTokens < 1) throw new ArgumentOutOfRangeException(nameof(maxTokens), $"max_tokens is at least 1 (got {maxTokens}).");
        int max = Math.Max(maxTokens, outputTokens);
        int slot;
        if (_count == Window)
        {
            // Full: the newest takes the oldest's slot.
            slot = _head;
            _head = Slot(1);
        }
        else
        {
            if (_count == _outputs.Length) Grow();
            slot = Slot(_count);
            _count++;
        }
        _outputs[slot] = outputTokens;
        _maxTokens[slot] = max;
        _fractions[slot] = (double)outputTokens / max;
    }

    private void Grow()
    {
        int size = (int)Math.Min(Math.Max(16L, _outputs.Length * 2L), Window);
        var outputs = new int[size];
        var maxes = new int[size];
        var fractions = new double[size];
        for (int k = 0; k < _count; k++)
        {
            int i = Slot(k);
            outputs[k] = _outputs[i];
            maxes[k] = _maxTokens[i];
            fractions[k] = _fractions[i];
        }
        (_outputs, _maxTokens, _fractions, _head) = (outputs, maxes, fractions, 0);
    }

    /// <summary>Expected total output length of a request capped at <paramref name="maxTokens"/> that has produced <paramref name="produced"/> tokens.</summary>
    public int Predict(int maxTokens, int produced = 0)
    {
        int floor = produced + 1, cap = Math.Max(floor, maxTokens);
        if (_count == 0) return Math.Clamp(PriorTokens ?? maxTokens, floor, cap);
        double sum = 0;
        int n = 0;
        // Oldest first, in the ring's two runs: the order the sum was always taken in.
        int firstRun = Math.Min(_count, _outputs.Length - _head);
        bool mean = Kind == OutputPredictorKind.Mean;
        Sum(_outputs.AsSpan(_head, firstRun), _fractions.AsSpan(_head, firstRun), mean, maxTokens, produced, cap, ref sum, ref n);
        Sum(_outputs.AsSpan(0, _count - firstRun), _fractions.AsSpan(0, _count - firstRun), mean, maxTokens, produced, cap, ref sum, ref n);
        double expected = n > 0 ? sum / n : floor;
        return Math.Clamp((int)Math.Round(expected, MidpointRounding.AwayFromZero), floor, cap);
    }

    private static void Sum(ReadOnlySpan<int> outputs, ReadOnlySpan<double> fractions, bool mean, int maxTokens, int produced, int cap, ref double total, ref int count)
    {
        double sum = total;
        int n = count;
        for (int i = 0; i < outputs.Length; i++)
        {
            double x = mean ? outputs[i] : fractions[i] * maxTokens;
            if (x > produced) { sum += Math.Min(x, cap); n++; }
        }
        total = sum;
        count = n;
    }

    /// <summary>
    /// A draw from the distribution whose mean <see cref="Predict"/> is: one of the recent finished requests longer
    /// than <paramref name="produced"/>, scaled as <see cref="Predict"/> scales them; the prediction itself when none is.
    /// </summary>
    public int Sample(int maxTokens, int produced, TokenSim.Core.Randomness.SimRandom random)
    {
        int floor = produced + 1, cap = Math.Max(floor, maxTokens);
        if (_count == 0) return Predict(maxTokens, produced);
        Span<double> longer = _count <= 1024 ? stackalloc double[_count] : new double[_count];
        int n = 0;
        for (int k = 0; k < _count; k++)
        {
            int i = Slot(k);
            double x = Kind == OutputPredictorKind.Mean ? _outputs[i] : _fractions[i] * maxTokens;
            if (x > produced) longer[n++] = Math.Min(x, cap);
        }
        if (n == 0) return floor;
        return Math.Clamp((int)Math.Round(longer[random.NextInt(0, n - 1)], MidpointRounding.AwayFromZero), floor, cap);
    }
}
