using System.Net;
using System.Net.Sockets;

namespace MailSender.TestSupport;

/// <summary>Ports on 127.0.0.1 for tests: one nothing listens on, one free to bind, one free on several loopback addresses.</summary>
public static class LoopbackPorts
{
    /// <summary>Returns a port nothing listens on (bound by the OS, read, released): connecting to it is refused.</summary>
    public static int Closed()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Returns a port that was free a moment ago, for a server that must be told its port before it starts.</summary>
    public static int Free() => Closed();

    public static IPAddress Address(int last) => IPAddress.Parse("127.0.0." + last);

    /// <summary>
    /// Finds one port free on several loopback addresses, so MX hosts on 127.0.0.1, 127.0.0.2, ... can share the port that
    /// the direct transport's <c>port=N</c> names (127.0.0.0/8 is all loopback on Linux).
    /// </summary>
    public static int FreeOn(params IPAddress[] addresses)
    {
        for (var attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            var others = new List<TcpListener> { probe };
            try
            {
                foreach (var address in addresses.Where(a => !a.Equals(IPAddress.Loopback)))
                {
                    var listener = new TcpListener(address, port);
                    listener.Start();
                    others.Add(listener);
                }

                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
                // Taken on one of the other addresses: try another port.
            }
            finally
            {
                foreach (var listener in others)
                {
                    listener.Stop();
                }
            }
        }
    }
}
