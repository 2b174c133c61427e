using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace MailSender.Diagnostics;

/// <summary>
/// The instruments of one <c>MailSender</c> meter, and the connection pools its observable instruments read.
/// </summary>
internal sealed class MailSenderInstruments
{
    private static readonly Lazy<MailSenderInstruments> SharedInstance = new(() => new MailSenderInstruments(new Meter(MailSenderTelemetry.Name, MailSenderTelemetry.Version)));

    private readonly ConcurrentDictionary<PoolRegistration, byte> _pools = new();

    public MailSenderInstruments(Meter meter)
    {
        Meter = meter;
        MessagesSent = meter.CreateCounter<long>(TelemetryNames.MessagesSent, "{message}", "Messages delivered: accepted by the server (for at least one recipient) or stored by the transport.");
        MessagesFailed = meter.CreateCounter<long>(TelemetryNames.MessagesFailed, "{message}", "Sends that failed with an exception, after every retry.");
        Retries = meter.CreateCounter<long>(TelemetryNames.Retries, "{retry}", "Attempts the resilience pipeline made again, for a whole message or its deferred recipients.");
        SendDuration = meter.CreateHistogram<double>(TelemetryNames.SendDuration, "s", "Duration of IEmailSender.SendAsync, retries and waits for a connection included.");
        MessageSize = meter.CreateHistogram<long>(TelemetryNames.MessageSize, "By", "Size of a delivered message as written to the SMTP server (DATA) or to the pickup file.");
        meter.CreateObservableUpDownCounter(TelemetryNames.PoolConnections, ObserveConnections, "{connection}", "Open SMTP connections in each pool, by state: used (sending) or idle.");
        meter.CreateObservableUpDownCounter(TelemetryNames.PoolPendingRequests, ObservePending, "{request}", "Sends waiting for a free connection in each pool.");
    }

    /// <summary>Gets the instruments on the process-wide meter, for senders built without dependency injection.</summary>
    public static MailSenderInstruments Shared => SharedInstance.Value;

    public Meter Meter { get; }

    public Counter<long> MessagesSent { get; }

    public Counter<long> MessagesFailed { get; }

    public Counter<long> Retries { get; }

    public Histogram<double> SendDuration { get; }

    public Histogram<long> MessageSize { get; }

    /// <summary>Reports a pool on the pool instruments until the returned registration is disposed.</summary>
    /// <param name="server">Reads the pool's server: the port is <see langword="null"/> while a detected endpoint is not known yet.</param>
    /// <param name="read">Reads the pool's statistics.</param>
    public IDisposable TrackPool(Func<(string Host, int? Port)> server, Func<PoolLoad> read)
    {
        var registration = new PoolRegistration(this, server, read);
        _pools.TryAdd(registration, 0);
        return registration;
    }

    private static KeyValuePair<string, object?>[] Tags((string Host, int? Port) server, string? state)
    {
        var tags = new List<KeyValuePair<string, object?>>(3) { new(TelemetryNames.ServerAddress, server.Host) };
        if (server.Port is { } port)
        {
            tags.Add(new(TelemetryNames.ServerPort, port));
        }

        if (state is not null)
        {
            tags.Add(new(TelemetryNames.ConnectionState, state));
        }

        return [.. tags];
    }

    /// <summary>
    /// The pools' statistics summed per server: senders sharing a host and port are one series, as OpenTelemetry wants one
    /// measurement per attribute set and observation.
    /// </summary>
    private Dictionary<(string Host, int? Port), PoolLoad> ReadByServer()
    {
        var totals = new Dictionary<(string Host, int? Port), PoolLoad>();
        foreach (var pool in _pools.Keys)
        {
            var server = pool.Server();
            var statistics = pool.Read();
            totals[server] = totals.TryGetValue(server, out var sum)
                ? sum with { InUse = sum.InUse + statistics.InUse, Idle = sum.Idle + statistics.Idle, Waiting = sum.Waiting + statistics.Waiting }
                : statistics;
        }

        return totals;
    }

    private IEnumerable<Measurement<int>> ObserveConnections()
    {
        foreach (var (server, statistics) in ReadByServer())
        {
            yield return new Measurement<int>(statistics.InUse, Tags(server, TelemetryNames.StateUsed));
            yield return new Measurement<int>(statistics.Idle, Tags(server, TelemetryNames.StateIdle));
        }
    }

    private IEnumerable<Measurement<int>> ObservePending()
    {
        foreach (var (server, statistics) in ReadByServer())
        {
            yield return new Measurement<int>(statistics.Waiting, Tags(server, null));
        }
    }

    /// <summary>One pool on the instruments; disposing it removes the pool.</summary>
    private sealed class PoolRegistration(MailSenderInstruments owner, Func<(string Host, int? Port)> server, Func<PoolLoad> read) : IDisposable
    {
        public PoolLoad Read() => read();

        public (string Host, int? Port) Server() => server();

        public void Dispose() => owner._pools.TryRemove(this, out _);
    }
}

/// <summary>How busy one connection pool is, as the pool instruments report it.</summary>
/// <param name="InUse">Connections sending.</param>
/// <param name="Idle">Open connections waiting for a send.</param>
/// <param name="Waiting">Sends waiting for a free connection.</param>
internal readonly record struct PoolLoad(int InUse, int Idle, int Waiting);
