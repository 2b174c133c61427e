using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using MailSender.Pooling.Internal;

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
    public IDisposable TrackPool(string host, int port, Func<PoolStatistics> read)
    {
        var registration = new PoolRegistration(this, host, port, read);
        _pools.TryAdd(registration, 0);
        return registration;
    }

    private IEnumerable<Measurement<int>> ObserveConnections()
    {
        foreach (var pool in _pools.Keys)
        {
            var statistics = pool.Read();
            yield return new Measurement<int>(statistics.InUse, pool.Server(TelemetryNames.StateUsed));
            yield return new Measurement<int>(statistics.Idle, pool.Server(TelemetryNames.StateIdle));
        }
    }

    private IEnumerable<Measurement<int>> ObservePending()
    {
        foreach (var pool in _pools.Keys)
        {
            yield return new Measurement<int>(pool.Read().Waiting, pool.Server(null));
        }
    }

    /// <summary>One pool on the instruments; disposing it removes the pool.</summary>
    private sealed class PoolRegistration(MailSenderInstruments owner, string host, int port, Func<PoolStatistics> read) : IDisposable
    {
        public PoolStatistics Read() => read();

        public KeyValuePair<string, object?>[] Server(string? state) => state is null
            ? [new(TelemetryNames.ServerAddress, host), new(TelemetryNames.ServerPort, port)]
            : [new(TelemetryNames.ServerAddress, host), new(TelemetryNames.ServerPort, port), new(TelemetryNames.ConnectionState, state)];

        public void Dispose() => owner._pools.TryRemove(this, out _);
    }
}
