namespace TokenSim.Core.Simulation;

/// <summary>
/// One scheduled sequence in a step: how many tokens it runs, how many it had in KV before, whether the step
/// samples a token for it (it catches up with every known and in-flight token), and its preemption count when
/// scheduled (a later preemption voids the sampled token).
/// </summary>
public readonly record struct BatchEntry(Request Request, int Tokens, int ContextBefore, bool Samples, int Epoch)
{
    /// <summary>
    /// The context before the token this entry samples, as if it were a one-token decode: a decode's own, and for a
    /// prompt's last chunk (which samples the first token) the context before its last token. A decode run that
    /// starts with such a chunk in flight counts its later decodes from here (<c>DecodeRun</c>).
    /// </summary>
    internal int DecodeContextBefore => ContextBefore + Tokens - 1;
}

/// <summary>The aggregate shape of a step that execution-time models need.</summary>
public struct BatchShape
{
    public int Tokens;
    /// <summary>Tokens across the step's whole DP group, which its MoE layers process together; equals <see cref="Tokens"/> without DP.</summary>
    public int GroupTokens;
    /// <summary>
    /// The largest rank's token count in the step's DP group as its MoE collectives see it (after vLLM's DP padding);
    /// equals <see cref="Tokens"/> without DP.
    /// </summary>
    public int GroupMaxTokens;
    public int Sequences;
    public int Sampled;
    public int DecodeCount;
    /// <summary>Sum over decodes of the KV length each reads (context including the new token).</summary>
    public long DecodeContext;
    /// <summary>Decodes whose KV length is above the decode mean, and the sum of their KV lengths (skew).</summary>
    public int DecodeAboveMean;
    public long DecodeAboveMeanContext;
    public int PrefillTokens;
    public int PrefillCount;
    /// <summary>Sum over prefill chunks of query×key pairs under the causal mask: n·ctx + n(n+1)/2.</summary>
    public double PrefillAttentionPairs;
    /// <summary>Sum over prefill chunks of the KV length read (earlier context plus the chunk).</summary>
    public long PrefillContext;
}

/// <summary>The sequences one step runs. Reused across steps to keep the hot loop free of allocation.</summary>
public sealed class Batch
{
    private BatchEntry[] _entries = new BatchEntry[64];

    public int Count { get; private set; }
    public ReadOnlySpan<BatchEntry> Entries => _entries.AsSpan(0, Count);
    public int TotalTokens { get; private set; }

    public void Clear()
    {
        Array.Clear(_entries, 0, Count);
        Count = 0;
        TotalTokens = 0;
    }

    /// <summary>Adds <paramref name="tokens"/> of <paramref name="r"/> and advances its computed count (vLLM does so at schedule time).</summary>
    public void Add(Request r, int tokens)
    {
        if (Count == _entries.Length) Array.Resize(ref _entries, Count * 2);
        bool samples = r.NumComputed + tokens >= r.NumTokens + r.Placeholders;
        _entries[Count++] = new BatchEntry(r, tokens, r.NumComputed, samples, r.Epoch);
        r.NumComputed += tokens;
        r.InFlight++;
        if (samples) r.Placeholders++;
        TotalTokens += tokens;
    }

    /// <summary>Takes a request back out of the step (a priority preemption after it was scheduled) and undoes its tokens.</summary>
    public bool Remove(Request r)
    {
        for (int i = 0; i < Count; i++)
        {
            if (!ReferenceEquals(_entries[i].Request, r)) continue;
            r.NumComputed = _entries[i].ContextBefore;
            r.InFlight--;
            if (_entries[i].Samples) r.Placeholders--;
            TotalTokens -= _entries[i].Tokens;
            Array.Copy(_entries, i + 1, _entries, i, Count - i - 1);
            _entries[--Count] = default;
            return true;
        }
        return false;
    }

    public int TokensOf(Request r)
    {
        for (int i = 0; i < Count; i++)
            if (ReferenceEquals(_entries[i].Request, r)) return _entries[i].Tokens;
        return 0;
    }

    public BatchShape Shape()
    {
        var s = new BatchShape { Sequences = Count, GroupTokens = TotalTokens, GroupMaxTokens = TotalTokens };
        for (int i = 0; i < Count; i++)
        {
            ref readonly var e = ref _entries[i];
            s.Tokens += e.Tokens;
            if (e.Samples) s.Sampled++;
            if (e.Tokens == 1 && e.Samples)
            {
                s.DecodeCount++;
                s.DecodeContext += e.ContextBefore + 1;
            }
            else
            {
                s.PrefillCount++;
                s.PrefillTokens += e.Tokens;
                s.PrefillAttentionPairs += (double)e.Tokens * e.ContextBefore + 0.5 * e.Tokens * (e.Tokens + 1.0);
                s.PrefillContext += e.ContextBefore + e.Tokens;
            }
        }
        if (s.DecodeCount > 1)
        {
            // Uneven KV lengths slow decode attention (LLMServingSim's skew profile): describe the long tail as
            // the share of decodes above the mean and their mean length, which for a two-level batch are exactly
            // the profiled big fraction and big length.
            double mean = (double)s.DecodeContext / s.DecodeCount;
            for (int i = 0; i < Count; i++)
            {
                ref readonly var e = ref _entries[i];
                if (e.Tokens != 1 || !e.Samples || e.ContextBefore + 1 <= mean) continue;
                s.DecodeAboveMean++;
                s.DecodeAboveMeanContext += e.ContextBefore + 1;
            }
        }
        return s;
    }

    /// <summary>
    /// The same step <paramref name="steps"/> decode steps later in a run (<c>DecodeRun</c>): every sequence that many
    /// tokens further on, as a one-token decode (a prompt's last chunk among them became one after its first token),
    /// and only those of requests with more than <paramref name="beyond"/> tokens still to sample (the others finished,
    /// or have their last token in an earlier step).
    /// </summary>
    internal void AdvanceDecodes(int steps, int beyond)
    {
        int w = 0;
        for (int i = 0; i < Count; i++)
        {
            var e = _entries[i];
            if (e.Request.OutputTokens - e.Request.Generated <= beyond) continue;
            _entries[w++] = e with { Tokens = 1, ContextBefore = e.DecodeContextBefore + steps };
        }
        int tokens = w;
        Array.Clear(_entries, w, Count - w);
        Count = w;
        TotalTokens = tokens;
    }

    internal void CopyFrom(Batch other, Func<Request, Request> map)
    {
        Clear();
        if (_entries.Length < other.Count) _entries = new BatchEntry[other._entries.Length];
        for (int i = 0; i < other.Count; i++)
        {
            var e = other._entries[i];
            _entries[i] = e with { Request = map(e.Request) };
        }
        Count = other.Count;
        TotalTokens = other.TotalTokens;
    }
}
