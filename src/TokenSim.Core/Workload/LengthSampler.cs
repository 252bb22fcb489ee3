using TokenSim.Core.Randomness;

namespace TokenSim.Core.Workload;

/// <summary>Draws a request's (prompt, output) lengths: independently from two distributions, or jointly from a trace's rows.</summary>
public abstract class LengthSampler
{
    public abstract (int Prompt, int Output) Sample(SimRandom random);

    public sealed class Independent(LengthDistribution prompt, LengthDistribution output) : LengthSampler
    {
        public override (int Prompt, int Output) Sample(SimRandom random) => (prompt.Sample(random), output.Sample(random));
    }

    /// <summary>Uniformly chosen rows of a trace, keeping each row's prompt and output together.</summary>
    public sealed class FromTrace : LengthSampler
    {
        private readonly (int Prompt, int Output)[] _rows;

        public FromTrace((int Prompt, int Output)[] rows)
        {
            if (rows.Length == 0) throw new ArgumentException("No trace rows to draw lengths from.");
            _rows = rows;
        }

        public int Rows => _rows.Length;

        public override (int Prompt, int Output) Sample(SimRandom random) => _rows[random.NextInt(0, _rows.Length - 1)];
    }
}
