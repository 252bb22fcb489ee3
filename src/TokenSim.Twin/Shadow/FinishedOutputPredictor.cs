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
    private readonly Queue<(int Output, int MaxTokens)> _recent = new();

    public OutputPredictorKind Kind { get; } = kind;
    public int? PriorTokens { get; } = priorTokens is null or >= 1 ? priorTokens : throw new ArgumentOutOfRangeException(nameof(priorTokens), "The prior output length must be at least 1 token.");
    public int Window { get; } = window >= 1 ? window : throw new ArgumentOutOfRangeException(nameof(window), "The predictor's window must hold at least 1 request.");
    public int Count => _recent.Count;
    /// <summary>The finished requests learned from, oldest first.</summary>
    public IEnumerable<(int Output, int MaxTokens)> Recent => _recent;

    /// <summary>A copy that learns no more: what a forecast run off the replica's turn draws from.</summary>
    public FinishedOutputPredictor Copy()
    {
        var copy = new FinishedOutputPredictor(Kind, Window, PriorTokens);
        foreach (var r in _recent) copy._recent.Enqueue(r);
        return copy;
    }

    /// <summary>Learns one finished request: its output length and its max_tokens (both at least 1 token).</summary>
    public void Observe(int outputTokens, int maxTokens)
    {
        if (outputTokens < 1) throw new ArgumentOutOfRangeException(nameof(outputTokens), $"A finished request has at least 1 output token (got {outputTokens}).");
        if (maxTokens < 1) throw new ArgumentOutOfRangeException(nameof(maxTokens), $"max_tokens is at least 1 (got {maxTokens}).");
        _recent.Enqueue((outputTokens, Math.Max(maxTokens, outputTokens)));
        if (_recent.Count > Window) _recent.Dequeue();
    }

    /// <summary>Expected total output length of a request capped at <paramref name="maxTokens"/> that has produced <paramref name="produced"/> tokens.</summary>
    public int Predict(int maxTokens, int produced = 0)
    {
        int floor = produced + 1, cap = Math.Max(floor, maxTokens);
        if (_recent.Count == 0) return Math.Clamp(PriorTokens ?? maxTokens, floor, cap);
        double sum = 0;
        int n = 0;
        foreach (var (output, max) in _recent)
        {
            double x = Kind == OutputPredictorKind.Mean ? output : (double)output / max * maxTokens;
            if (x > produced) { sum += Math.Min(x, cap); n++; }
        }
        double expected = n > 0 ? sum / n : floor;
        return Math.Clamp((int)Math.Round(expected, MidpointRounding.AwayFromZero), floor, cap);
    }

    /// <summary>
    /// A draw from the distribution whose mean <see cref="Predict"/> is: one of the recent finished requests longer
    /// than <paramref name="produced"/>, scaled as <see cref="Predict"/> scales them; the prediction itself when none is.
    /// </summary>
    public int Sample(int maxTokens, int produced, TokenSim.Core.Randomness.SimRandom random)
    {
        int floor = produced + 1, cap = Math.Max(floor, maxTokens);
        if (_recent.Count == 0) return Predict(maxTokens, produced);
        Span<double> longer = _recent.Count <= 1024 ? stackalloc double[_recent.Count] : new double[_recent.Count];
        int n = 0;
        foreach (var (output, max) in _recent)
        {
            double x = Kind == OutputPredictorKind.Mean ? output : (double)output / max * maxTokens;
            if (x > produced) longer[n++] = Math.Min(x, cap);
        }
        if (n == 0) return floor;
        return Math.Clamp((int)Math.Round(longer[random.NextInt(0, n - 1)], MidpointRounding.AwayFromZero), floor, cap);
    }
}
