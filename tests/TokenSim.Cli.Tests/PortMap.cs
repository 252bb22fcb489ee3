using System.Text.RegularExpressions;

namespace TokenSim.Cli.Tests;

/// <summary>
/// The fixed ports of documented lines (8000, 5557, 4317 …) swapped for free ones so tests cannot collide with each
/// other or with a real server. Each documented port gets two consecutive free ones, since <c>emulate --replicas 2</c>
/// takes port and port + 1 (and so do its KV-event endpoints); <see cref="Beside"/> maps a replica's documented port.
/// </summary>
internal sealed class PortMap
{
    private readonly Dictionary<int, int> _ports = [];

    public int this[int documented]
    {
        get
        {
            lock (_ports)
            {
                if (_ports.TryGetValue(documented, out int p)) return p;
                return _ports[documented] = FreePorts();
            }
        }
    }

    /// <summary>Maps <paramref name="documented"/> + <paramref name="offset"/> beside the documented port's map.</summary>
    public void Beside(int documented, int offset)
    {
        int mapped = this[documented];
        lock (_ports) _ports[documented + offset] = mapped + offset;
    }

    /// <summary>A word with every port in it (after <c>:</c> or <c>*</c>, or the whole word) mapped.</summary>
    public string Rewrite(string word) =>
        Regex.Replace(word, @"(?<=[:*])(\d{4,5})\b|^\d{4,5}$", m => this[int.Parse(m.Value)].ToString());

    private static int FreePorts()
    {
        for (int tries = 0; tries < 50; tries++)
        {
            var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            l.Start();
            int p = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            try
            {
                var next = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, p + 1);
                next.Start();
                next.Stop();
                return p;
            }
            catch (System.Net.Sockets.SocketException) { }
        }
        throw new InvalidOperationException("no two consecutive free ports");
    }
}
