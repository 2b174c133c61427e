using System.Net;
using System.Net.Sockets;
using MailSender.Smtp.Detection;
using MailSender.Smtp;
using MailSender.Smtp.Protocol;
using MailSender.TestSupport;

namespace MailSender.Tests.Smtp.Detection;

/// <summary>Builds detectors and requests for 127.0.0.1, with no DNS and no network beyond the loopback.</summary>
internal static class DetectionTestSupport
{
    public static SmtpEndpointDetector Detector(ISrvResolver? srv = null, IKnownEndpointSource? known = null, TlsHistory? history = null) =>
        new(known ?? new NoKnownEndpoints(), srv ?? new FakeSrvResolver(), history ?? new TlsHistory(), new TrustStore(), new SmtpConnector(TimeProvider.System, MailSender.Diagnostics.MailSenderTelemetry.Shared), TimeProvider.System, MailSender.Diagnostics.MailSenderTelemetry.Shared);

    public static SmtpDetectionRequest Request(params int[] ports) => new("127.0.0.1")
    {
        TrustedCaFile = TestCertificates.AuthorityPemFile,
        Options = new SmtpDetectionOptions { Ports = ports, ProbeTimeout = TimeSpan.FromSeconds(5), UseDnsSrv = false },
    };
}

/// <summary>Answers SRV lookups from a table, and records the names asked for.</summary>
internal sealed class FakeSrvResolver(Dictionary<string, SrvTarget[]>? records = null) : ISrvResolver
{
    private readonly List<string> _queries = [];

    public IReadOnlyList<string> Queries
    {
        get
        {
            lock (_queries)
            {
                return [.. _queries];
            }
        }
    }

    public Task<IReadOnlyList<SrvTarget>> ResolveAsync(string name, IReadOnlyList<string> dnsServers, TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (_queries)
        {
            _queries.Add(name);
        }

        return Task.FromResult<IReadOnlyList<SrvTarget>>(records?.GetValueOrDefault(name) ?? []);
    }
}

/// <summary>A listener that accepts connections and never says a word: a black hole, or a TLS port waiting for a ClientHello that never parses.</summary>
internal sealed class BlackHoleListener : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = [];
    private readonly CancellationTokenSource _stop = new();

    public BlackHoleListener()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    public int Port { get; }

    public int Accepted
    {
        get
        {
            lock (_accepted)
            {
                return _accepted.Count;
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_accepted)
        {
            _accepted.ForEach(s => s.Dispose());
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_accepted)
                {
                    _accepted.Add(socket);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
        }
    }
}
