using System.Diagnostics;
using System.Diagnostics.Metrics;
using MailSender.Outbox.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailSender.Outbox.Diagnostics;

/// <summary>
/// The outbox's metrics (meter <c>MailSender.Outbox</c>), spans (source <c>MailSender.Outbox</c>) and logs. Delivery spans
/// continue the trace of the request that enqueued the message: its context is stored with the message.
/// </summary>
internal sealed class OutboxTelemetry
{
    public const string Name = "MailSender.Outbox";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _enqueued;
    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _delivery;
    private OutboxStatistics? _statistics;

    public OutboxTelemetry(IMeterFactory? meterFactory, ILoggerFactory? loggerFactory)
    {
        var meter = meterFactory?.Create(new MeterOptions(Name)) ?? new Meter(Name);
        Logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("MailSender.Outbox");
        _enqueued = meter.CreateCounter<long>("mailsender.outbox.enqueued", "{message}", "Messages stored in the outbox.");
        _attempts = meter.CreateCounter<long>("mailsender.outbox.attempts", "{attempt}", "Delivery attempts, by outcome (mailsender.outbox.state: the message's state after the attempt).");
        _delivery = meter.CreateHistogram<double>("mailsender.outbox.delivery.duration", "s", "Time from enqueue to delivery (messages sent).");
        meter.CreateObservableGauge("mailsender.outbox.messages", ObserveDepth, "{message}", "Messages in the outbox by state (mailsender.outbox.state), as last counted by the worker.");
        meter.CreateObservableGauge("mailsender.outbox.oldest_due.age", () => _statistics?.OldestDueAge.TotalSeconds ?? 0, "s", "How long the oldest due message has waited for a worker.");
    }

    public ILogger Logger { get; }

    public void Enqueued(string senderName) => _enqueued.Add(1, new KeyValuePair<string, object?>("mailsender.sender", senderName));

    public void Attempted(OutboxState state, DateTimeOffset createdAt, DateTimeOffset now)
    {
        _attempts.Add(1, new KeyValuePair<string, object?>("mailsender.outbox.state", OutboxStates.Name(state)));
        if (state == OutboxState.Sent)
        {
            _delivery.Record((now - createdAt).TotalSeconds);
        }
    }

    /// <summary>Keeps the counts the gauges report (the worker counts them now and then; a gauge cannot query a database).</summary>
    public void Counted(OutboxStatistics statistics) => Volatile.Write(ref _statistics, statistics);

    /// <summary>Starts a delivery span under the trace that enqueued the message (when it was traced).</summary>
    public static Activity? StartDelivery(ClaimedMessage message)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(message.TraceParent, message.TraceState, isRemote: true, out var parent);
        var activity = ActivitySource.StartActivity("outbox deliver", ActivityKind.Internal, parent);
        activity?.SetTag("mailsender.outbox.id", message.Id.ToString());
        activity?.SetTag("mailsender.outbox.attempt", message.Attempts);
        return activity;
    }

    private IEnumerable<Measurement<long>> ObserveDepth()
    {
        if (Volatile.Read(ref _statistics) is not { } statistics)
        {
            yield break;
        }

        foreach (var (state, count) in statistics.Counts)
        {
            yield return new Measurement<long>(count, new KeyValuePair<string, object?>("mailsender.outbox.state", OutboxStates.Name(state)));
        }
    }
}

/// <summary>The outbox's log events; every one names the outbox id.</summary>
internal static partial class OutboxLog
{
    [LoggerMessage(1, LogLevel.Debug, "Enqueued {OutboxId} ({MessageId}) for sender '{SenderName}', {Recipients} recipient(s), {Size} bytes")]
    public static partial void Enqueued(ILogger logger, Guid outboxId, string? messageId, string senderName, int recipients, long size);

    [LoggerMessage(2, LogLevel.Information, "Outbox {OutboxId}: {State} after attempt {Attempt}")]
    public static partial void Attempted(ILogger logger, Guid outboxId, string state, int attempt);

    [LoggerMessage(3, LogLevel.Warning, "Outbox {OutboxId}: {State} after attempt {Attempt}: {Error}")]
    public static partial void AttemptFailed(ILogger logger, Guid outboxId, string state, int attempt, string? error);

    [LoggerMessage(4, LogLevel.Warning, "Outbox {OutboxId}: the lease was lost (another worker took the message over); this worker's outcome was not recorded")]
    public static partial void LeaseLost(ILogger logger, Guid outboxId);

    [LoggerMessage(5, LogLevel.Warning, "The outbox store {Store} failed; the worker tries again in {Delay} s: {Error}")]
    public static partial void StoreFailed(ILogger logger, string store, double delay, string error);

    [LoggerMessage(6, LogLevel.Information, "Outbox worker started on {Store}: concurrency {Concurrency}, lease {Lease}")]
    public static partial void WorkerStarted(ILogger logger, string store, int concurrency, TimeSpan lease);

    [LoggerMessage(7, LogLevel.Information, "Outbox worker stopped: {Released} message(s) given back unsent")]
    public static partial void WorkerStopped(ILogger logger, int released);

    [LoggerMessage(8, LogLevel.Information, "Outbox: purged {Count} finished message(s) older than {RetainFinished}")]
    public static partial void Purged(ILogger logger, int count, TimeSpan retainFinished);
}
