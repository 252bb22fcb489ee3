using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace TokenSim.Twin.Planning;

/// <summary>Places a grain with integer key i on the i-th (mod count) compatible silo, ordered by address.</summary>
[GenerateSerializer, Immutable, Alias("TokenSim.Twin.SiloSpreadPlacement")]
public sealed class SiloSpreadPlacement : PlacementStrategy
{
    public static readonly SiloSpreadPlacement Instance = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloSpreadPlacementAttribute() : PlacementAttribute(SiloSpreadPlacement.Instance);

public sealed class SiloSpreadPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target).OrderBy(s => s.ToString(), StringComparer.Ordinal).ToArray();
        long key = target.GrainIdentity.GetIntegerKey();
        return Task.FromResult(silos[(int)(Math.Abs(key) % silos.Length)]);
    }
}
