namespace TokenSim.Planning;

/// <summary>One configuration a plan considers: <see cref="Replicas"/> replicas of TP <see cref="Tp"/> on <see cref="Hardware"/>.</summary>
public sealed record Candidate(string Hardware, int Tp, string Scheduler, int Replicas)
{
    public int Gpus => Tp * Replicas;
    public override string ToString() => $"{Replicas} × {Hardware} TP{Tp} {Scheduler}";
}

/// <summary>A replica search's fixed part: everything but the replica count.</summary>
public sealed record CandidateGroup(string Hardware, int Tp, string Scheduler)
{
    public Candidate With(int replicas) => new(Hardware, Tp, Scheduler, replicas);
    public override string ToString() => $"{Hardware} TP{Tp} {Scheduler}";
}
