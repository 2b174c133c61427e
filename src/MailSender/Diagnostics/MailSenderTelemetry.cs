using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using MailSender.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailSender.Diagnostics;

/// <summary>
/// Where MailSender reports what it does: the <c>MailSender</c> meter and activity source, and the <c>MailSender</c> logger.
/// One instance per service provider (its meter comes from that provider's <see cref="IMeterFactory"/>), or <see cref="Shared"/>.
/// </summary>
/// <remarks>
/// Instrument, span and attribute names are listed in docs/telemetry.md and are stable. Nothing recorded here carries a
/// secret or an e-mail address: recipients are counted, never named (the opt-in recipient log events are in <see cref="Log"/>).
/// </remarks>
internal sealed class MailSenderTelemetry
{
    /// <summary>The name of the meter and of the activity source.</summary>
    public const string Name = "MailSender";

    /// <summary>The version of the meter and activity source: the package version, without the commit hash.</summary>
    public static readonly string Version = ReadVersion();

    /// <summary>The source of every MailSender span; static, as activity sources have no factory.</summary>
    public static readonly ActivitySource ActivitySource = new(Name, Version);

    private static readonly Lazy<MailSenderTelemetry> SharedInstance = new(() => new MailSenderTelemetry(MailSenderInstruments.Shared, NullLogger.Instance));

    public MailSenderTelemetry(MailSenderInstruments instruments, ILogger logger)
    {
        Instruments = instruments;
        Logger = logger;
    }

    /// <summary>Gets the telemetry used outside dependency injection: the process-wide meter and no logging.</summary>
    public static MailSenderTelemetry Shared => SharedInstance.Value;

    public MailSenderInstruments Instruments { get; }

    public ILogger Logger { get; }

    /// <summary>Creates the telemetry of one service provider: its meter factory when it has one, its logger factory.</summary>
    public static MailSenderTelemetry Create(IMeterFactory? meterFactory, ILoggerFactory? loggerFactory) => new(
        meterFactory is null ? MailSenderInstruments.Shared : new MailSenderInstruments(meterFactory.Create(new MeterOptions(Name) { Version = Version })),
        (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(Name));

    /// <summary>Starts the span of one send (<c>mailsender.send</c>), a child of the caller's current span.</summary>
    /// <param name="transportKind">The transport's <see cref="TelemetryNames.TransportKind"/>, computed once by the caller.</param>
    public static Activity? StartSend(string transportKind)
    {
        var activity = ActivitySource.StartActivity(TelemetryNames.SendSpan, ActivityKind.Internal);
        activity?.SetTag(TelemetryNames.Transport, transportKind);
        return activity;
    }

    /// <summary>Starts a child span of an SMTP conversation (connect, authenticate, data) with the server's address.</summary>
    public static Activity? StartSmtp(string name, string host, int port)
    {
        var activity = ActivitySource.StartActivity(name, ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag(TelemetryNames.ServerAddress, host);
            activity.SetTag(TelemetryNames.ServerPort, port);
        }

        return activity;
    }

    /// <summary>
    /// Starts an SMTP span under <paramref name="parent"/> without making it the current span: the transaction pipeline
    /// opens and closes a message's DATA span on its own loop, on behalf of the caller who queued the message.
    /// </summary>
    public static Activity? StartSmtpUnder(ActivityContext parent, string name, string host, int port)
    {
        var previous = Activity.Current;
        var activity = ActivitySource.StartActivity(name, ActivityKind.Client, parent);
        Activity.Current = previous;
        if (activity is not null)
        {
            activity.SetTag(TelemetryNames.ServerAddress, host);
            activity.SetTag(TelemetryNames.ServerPort, port);
        }

        return activity;
    }

    /// <summary>Gets the context of the current span when anyone listens to MailSender's spans, for spans started later on another flow.</summary>
    public static ActivityContext? CurrentContextIfListened() => ActivitySource.HasListeners() ? Activity.Current?.Context : null;

    /// <summary>Records a span that already happened (the TLS handshake, timed by the protocol tracker), as a child of the current span.</summary>
    public static void RecordSpan(string name, DateTimeOffset start, DateTimeOffset end, string? tlsVersion, Exception? error)
    {
        using var activity = ActivitySource.StartActivity(name, ActivityKind.Internal, parentContext: default, startTime: start);
        if (activity is null)
        {
            return;
        }

        activity.SetTag(TelemetryNames.TlsProtocolVersion, tlsVersion);
        if (error is not null)
        {
            Fail(activity, error);
        }

        activity.SetEndTime(end.UtcDateTime);
    }

    /// <summary>Marks a span failed: status Error and <c>error.type</c>; never the exception text, which may name recipients.</summary>
    public static void Fail(Activity? activity, Exception error)
    {
        if (activity is null)
        {
            return;
        }

        var type = TelemetryNames.ErrorType(error);
        activity.SetTag(TelemetryNames.ErrorTypeAttribute, type);
        activity.SetStatus(ActivityStatusCode.Error, type);
    }

    /// <summary>Tags the innermost send span with the SMTP server it talks to (the last one tried, with failover).</summary>
    public static void TagServer(string host, int port)
    {
        var send = FindSend();
        send?.SetTag(TelemetryNames.ServerAddress, host);
        send?.SetTag(TelemetryNames.ServerPort, port);
    }

    /// <summary>Notes the envelope on the send span: the recipient count, never the addresses.</summary>
    public static void Prepared(Activity? activity, MailEnvelope envelope) =>
        activity?.SetTag(TelemetryNames.RecipientCount, envelope.Recipients.Count);

    /// <summary>Records the size of a message as written to the server or the file, on the histogram and the send span.</summary>
    /// <param name="transportKind">The transport's <see cref="TelemetryNames.TransportKind"/>, computed once by the caller.</param>
    /// <param name="bytes">The size written.</param>
    public void MessageMeasured(string transportKind, long bytes)
    {
        if (bytes <= 0)
        {
            return;
        }

        Instruments.MessageSize.Record(bytes, new KeyValuePair<string, object?>(TelemetryNames.Transport, transportKind));
        FindSend()?.SetTag(TelemetryNames.MessageSizeAttribute, bytes);
    }

    /// <summary>Records a delivered message (counter, duration, span status) and logs the recipients when allowed.</summary>
    public void Sent(Activity? activity, string transportKind, TimeSpan elapsed, SendResult result, bool logRecipients)
    {
        var kind = new KeyValuePair<string, object?>(TelemetryNames.Transport, transportKind);
        Instruments.MessagesSent.Add(1, kind);
        Instruments.SendDuration.Record(elapsed.TotalSeconds, kind);
        if (activity is not null)
        {
            activity.SetTag(TelemetryNames.Attempts, result.Attempts);
            activity.SetTag(TelemetryNames.RejectedCount, result.RejectedRecipients.Count);
            activity.SetStatus(ActivityStatusCode.Ok);
        }

        if (logRecipients)
        {
            Log.RecipientsAccepted(Logger, result.MessageId, string.Join(", ", result.AcceptedRecipients));
            if (result.RejectedRecipients.Count > 0)
            {
                Log.RecipientsRefused(Logger, result.MessageId, Describe(result.RejectedRecipients));
            }
        }
    }

    /// <summary>Records a failed send (counter and duration with <c>error.type</c>, span status) and logs the recipients when allowed.</summary>
    public void Failed(Activity? activity, string transportKind, TimeSpan elapsed, Exception error, string? messageId, MailEnvelope? envelope, bool logRecipients)
    {
        var type = TelemetryNames.ErrorType(error);
        var tags = new TagList
        {
            { TelemetryNames.Transport, transportKind },
            { TelemetryNames.ErrorTypeAttribute, type },
        };
        Instruments.MessagesFailed.Add(1, tags);
        Instruments.SendDuration.Record(elapsed.TotalSeconds, tags);
        Fail(activity, error);
        if (logRecipients && envelope is not null)
        {
            var refused = error is EmailSendException { Recipients.Count: > 0 } e ? Describe(e.Recipients) : string.Join(", ", envelope.Recipients.Select(r => r.Address));
            Log.RecipientsOfFailedSend(Logger, messageId, type, refused);
        }
    }

    /// <summary>Records a retry of a whole send or of deferred recipients: the counter and a <c>retry</c> event on the send span.</summary>
    public void Retrying(string transportKind, int retry, Exception? error)
    {
        var type = error is null ? TelemetryNames.DeferredRecipients : TelemetryNames.ErrorType(error);
        Instruments.Retries.Add(1, new TagList
        {
            { TelemetryNames.Transport, transportKind },
            { TelemetryNames.ErrorTypeAttribute, type },
        });
        FindSend()?.AddEvent(new ActivityEvent(TelemetryNames.RetryEvent, tags: new ActivityTagsCollection
        {
            [TelemetryNames.RetryNumber] = retry,
            [TelemetryNames.ErrorTypeAttribute] = type,
        }));
    }

    /// <summary>Logs and marks on the send span that a composite moves on to its next transport.</summary>
    public void FailingOver(string from, string to, EmailSendException error)
    {
        Log.FailingOver(Logger, from, error.Kind, Redaction.Addresses(error.Message), to);
        FindSend()?.AddEvent(new ActivityEvent(TelemetryNames.FailoverEvent, tags: new ActivityTagsCollection
        {
            [TelemetryNames.ErrorTypeAttribute] = TelemetryNames.ErrorType(error),
        }));
    }

    private static string Describe(IEnumerable<RejectedRecipient> recipients) =>
        string.Join(", ", recipients.Select(r => $"{r.Address} ({r.StatusCode}{(r.EnhancedStatusCode is null ? string.Empty : " " + r.EnhancedStatusCode)})"));

    /// <summary>The innermost <c>mailsender.send</c> span around the caller, skipping the SMTP child spans.</summary>
    private static Activity? FindSend()
    {
        // Nobody listens: no MailSender span exists, so do not walk the caller's spans.
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        for (var activity = Activity.Current; activity is not null; activity = activity.Parent)
        {
            if (ReferenceEquals(activity.Source, ActivitySource) && activity.OperationName == TelemetryNames.SendSpan)
            {
                return activity;
            }
        }

        return null;
    }

    private static string ReadVersion()
    {
        var assembly = typeof(MailSenderTelemetry).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return informational?.Split('+')[0] ?? assembly.GetName().Version?.ToString() ?? "0.0.0";
    }
}
