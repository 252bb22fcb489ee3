namespace TokenSim.Server.Extensions;

public static class KubernetesHostingExtensions
{
    /// <summary>
    /// With <c>--kubernetes-hosting true</c> (<c>TOKENSIM_KUBERNETES_HOSTING</c>) a silo uses Orleans' Kubernetes
    /// hosting (Microsoft.Orleans.Hosting.Kubernetes): its silo name is its pod's name (<c>POD_NAME</c>), it labels its
    /// pod with the cluster and service ids, and the silos watch the cluster's pods (<c>POD_NAMESPACE</c>) through the
    /// Kubernetes API, declaring a silo dead as soon as its pod is deleted instead of after missed probes, and deleting
    /// the pod of a silo the cluster declared dead. The pod's ServiceAccount needs get, list, watch, patch and delete
    /// on pods (helm/tokensim creates that Role). The advertised address stays <c>--advertise-ip</c> (the pod IP).
    /// </summary>
    public static WebApplicationBuilder AddTokenSimKubernetesHosting(this WebApplicationBuilder builder, ServerSettings settings)
    {
        // UseOrleans again configures the silo AddTokenSimTwin built (Orleans reuses one silo builder per host).
        if (settings.KubernetesHosting) builder.UseOrleans(silo => silo.UseKubernetesHosting());
        return builder;
    }

    /// <summary>Why Kubernetes hosting cannot work here (a front end has no silo; a process outside a pod), or null.</summary>
    public static string? Problem(ServerSettings settings)
    {
        if (!settings.Cluster.HostsSilo)
            return "--kubernetes-hosting applies to silos (--role both or silo): a front end has no silo to host.";
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST")))
            return "--kubernetes-hosting: this process is not in a Kubernetes pod (KUBERNETES_SERVICE_HOST is not set), so Orleans cannot reach the Kubernetes API.";
        return null;
    }
}
