namespace TokenSim.Server.Gateway;

/// <summary>
/// One completion the gateway forwards: the replica it went to, the id the twin knows it by (vLLM's external id,
/// <c>chatcmpl-</c>/<c>cmpl-</c> + <c>X-Request-Id</c>, the span's <c>gen_ai.request.id</c>), and the chain of its
/// events to the twin, which go strictly one after another (arrival, first token, finish).
/// </summary>
internal sealed class GatewayRequest(int replica, string requestId, bool chat, bool stream, DateTime arrivedAt)
{
    public int Replica { get; } = replica;
    public string RequestId { get; } = requestId;
    public bool Chat { get; } = chat;
    public bool Stream { get; } = stream;
    public DateTime ArrivedAt { get; } = arrivedAt;
    /// <summary>Whether the twin applied the arrival; later events of a request it does not know are not sent.</summary>
    public bool Known { get; set; }
    /// <summary>The last event sent (or being sent); the next one waits for it.</summary>
    public Task Last { get; set; } = Task.CompletedTask;
}
