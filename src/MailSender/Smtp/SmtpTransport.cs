using MailSender.Diagnostics;
using MailSender.Smtp.Detection;
using MailSender.Smtp.Pooling;
using MailSender.Smtp.Protocol;
using MimeKit;

namespace MailSender.Smtp;

/// <summary>
/// Sends through one SMTP endpoint and identity over a pool of authenticated <see cref="SmtpSession"/>s.
/// </summary>
/// <remarks>
/// <para>Sends wait in one queue. Up to <see cref="SmtpPoolOptions.MaxConnections"/> connection loops take them: each holds
/// a pooled session and feeds it through its <see cref="TransactionPipeline"/> while sends are waiting, so with pipelining
/// the next message's envelope rides with this one's. The send that finds a free loop slot runs the loop itself (no thread
/// hop for a lone caller); when its own message is done and others wait, the loop carries on without it.</para>
/// <para>A session that failed with a reply (e.g. a refused recipient) is reset with RSET and reused; after a protocol
/// error, a timeout or a 421 it is discarded. A message whose end was not written when its connection was lost cannot
/// have been accepted: it is sent again once, transparently, on another connection when that one was stale (it idled in
/// the pool, or had carried messages before).</para>
/// </remarks>
internal sealed class SmtpTransport : IVerifiableEmailTransport, IAsyncDisposable, ITransactionSource, ICancellationSink, Internal.IReportsFinalWrite
{
    /// <inheritdoc/>
    public bool ReportsFinalWrite => true;

    private readonly SmtpTransportSettings _settings;
    private readonly SmtpConnector _connector;
    private readonly CertificateValidator _trust;
    private readonly TlsHistory _history;
    private readonly DetectedEndpointCache? _detection;
    private readonly MailSenderTelemetry _telemetry;
    private readonly ConnectionPool<SmtpSession> _pool;
    private readonly IDisposable _poolTracking;
    private readonly TimeProvider _timeProvider;
    private readonly object _queueGate = new();
    private readonly LinkedList<SmtpTransaction> _waiting = new();
    private readonly ITimer _waitLimit;
    private int _loops;
    private bool _waitLimitArmed;
    private bool _disposed;

    // The endpoint connections go to: the configured one, or the detected one once detection has run (null until then).
    private volatile SmtpEndpoint? _endpoint;

    /// <exception cref="ArgumentException"><see cref="SmtpTransportSettings.DetectEndpoint"/> is set but no detection cache is given.</exception>
    public SmtpTransport(SmtpTransportSettings settings, SmtpConnector connector, CertificateValidator trust, TlsHistory history, DetectedEndpointCache? detection, TimeProvider timeProvider, MailSenderTelemetry telemetry)
    {
        if (settings.DetectEndpoint && detection is null)
        {
            throw new ArgumentException("A transport that detects its endpoint needs the detection cache.", nameof(detection));
        }

        _settings = settings;
        _connector = connector;
        _trust = trust;
        _history = history;
        _telemetry = telemetry;
        _detection = settings.DetectEndpoint ? detection : null;
        _endpoint = settings.DetectEndpoint ? null : settings.Endpoint;
        Name = settings.DisplayName;
        _pool = new ConnectionPool<SmtpSession>(OpenAsync, settings.Pool, timeProvider);
        _timeProvider = timeProvider;
        _waitLimit = timeProvider.CreateTimer(static s => ((SmtpTransport)s!).FailOverdue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        // The port is unknown while detection has not run: the pool is reported without one until then.
        _poolTracking = telemetry.Instruments.TrackPool(() => _endpoint is { } e ? (e.Host, e.Port) : (_settings.Endpoint.Host, null), ReadPoolLoad);
    }

    public string Name { get; }

    private PoolLoad ReadPoolLoad()
    {
        var statistics = PoolStatistics;
        return new PoolLoad(statistics.InUse, statistics.Idle, statistics.Waiting);
    }

    /// <summary>Gets the pool's state; <see cref="PoolStatistics.Waiting"/> counts the sends queued for a connection.</summary>
    internal PoolStatistics PoolStatistics
    {
        get
        {
            int queued;
            lock (_queueGate)
            {
                queued = _waiting.Count;
            }

            var statistics = _pool.Statistics;
            return statistics with { Waiting = statistics.Waiting + queued };
        }
    }

    internal SmtpTransportSettings Settings => _settings;

    public async Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(envelope);
        if (_endpoint is { } known)
        {
            // Before acquiring, so a send that cannot connect still names its server.
            MailSenderTelemetry.TagServer(known.Host, known.Port);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var transaction = new SmtpTransaction(message, envelope, Name, cancellationToken)
        {
            TraceParent = MailSenderTelemetry.CurrentContextIfListened(),
        };
        transaction.RegisterCancellation();
        if (Enqueue(transaction))
        {
            // This send runs a connection loop; it returns at its first wait, and the loop goes on from there.
            _ = RunLoopAsync();
        }

        var result = await transaction.Task.ConfigureAwait(false);
        if (_detection is not null && _endpoint is { } detected)
        {
            MailSenderTelemetry.TagServer(detected.Host, detected.Port);
        }

        _telemetry.MessageMeasured(TelemetryNames.TransportKind(Name), transaction.ContentLength);
        return result;
    }

    SmtpTransaction? ITransactionSource.TryTake() => Take();

    Exception? ITransactionSource.ReturnUnsent(SmtpTransaction transaction, EmailSendException error, bool connectionWasKnownGood)
    {
        if (!connectionWasKnownGood || transaction.LostConnections > 0)
        {
            return error;
        }

        transaction.LostConnections++;
        transaction.QueuedAt = _timeProvider.GetTimestamp();
        transaction.TryHandTo(this);
        lock (_queueGate)
        {
            if (_disposed)
            {
                return error;
            }

            // First in line: it was taken before everything that waits now.
            _waiting.AddFirst(transaction);
        }

        var server = _endpoint ?? _settings.Endpoint;
        Log.StaleConnectionReplaced(_telemetry.Logger, server.Host, server.Port);
        return null;
    }

    void ICancellationSink.OnCancelled(SmtpTransaction transaction)
    {
        bool removed;
        lock (_queueGate)
        {
            removed = _waiting.Remove(transaction);
        }

        if (removed)
        {
            transaction.Fail(new OperationCanceledException("The send was cancelled while it waited for a connection; nothing was sent.", transaction.CancellationToken));
            transaction.SignalLater();
        }
    }

    /// <summary>Connects (detecting the endpoint if needed), authenticates and quits, on a connection of its own: a pooled one would prove nothing.</summary>
    public async Task VerifyAsync(CancellationToken cancellationToken = default)
    {
        var session = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await session.CloseAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        SmtpTransaction[] waiting;
        lock (_queueGate)
        {
            _disposed = true;
            waiting = [.. _waiting];
            _waiting.Clear();
        }

        _waitLimit.Dispose();
        foreach (var transaction in waiting)
        {
            transaction.Fail(new ObjectDisposedException(GetType().FullName, "The transport was disposed before the message could be sent; nothing was sent."));
            transaction.SignalLater();
        }

        _poolTracking.Dispose();
        return _pool.DisposeAsync();
    }

    /// <summary>Queues a send; returns whether the caller should run a connection loop (a slot was free).</summary>
    private bool Enqueue(SmtpTransaction transaction)
    {
        if (!transaction.TryHandTo(this))
        {
            throw new OperationCanceledException("The send was cancelled before it was queued; nothing was sent.", transaction.CancellationToken);
        }

        lock (_queueGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            transaction.QueuedAt = _timeProvider.GetTimestamp();
            _waiting.AddLast(transaction);
            if (_loops < _settings.Pool.MaxConnections)
            {
                _loops++;
                return true;
            }

            if (!_waitLimitArmed)
            {
                _waitLimitArmed = true;
                var period = TimeSpan.FromTicks(Math.Clamp(_settings.Pool.AcquireTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
                _waitLimit.Change(period, period);
            }
        }

        return false;
    }

    private SmtpTransaction? Take()
    {
        lock (_queueGate)
        {
            return TakeLocked();
        }
    }

    /// <summary>Removes and returns the first waiting send; call under the queue's lock.</summary>
    private SmtpTransaction? TakeLocked()
    {
        if (_disposed || _waiting.First is not { } first)
        {
            return null;
        }

        _waiting.RemoveFirst();
        return first.Value;
    }

    /// <summary>
    /// One connection loop: takes the first waiting send, then a pooled session for it, and runs the session's pipeline
    /// while sends wait; then again while sends still wait (after a lost connection or the messages-per-connection cap).
    /// Taking the send before connecting means every connection opened carries a message, and a failed connection is
    /// reported to the send it was opened for. Never throws: every failure is some send's outcome.
    /// </summary>
    private async Task RunLoopAsync()
    {
        SmtpTransaction? pending = null;
        while (TakeOrRetire() is { } first)
        {
            pending?.SignalLater();
            pending = null;
            ConnectionPool<SmtpSession>.Lease lease;
            try
            {
                // The send's own token: cancelling it while its connection opens cancels the connection, as before pipelining.
                lease = await AcquireAsync(first.CancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                first.Fail(ex switch
                {
                    OperationCanceledException when first.CancellationToken.IsCancellationRequested => new OperationCanceledException("The send was cancelled while its connection was opened; nothing was sent.", ex, first.CancellationToken),
                    EmailSendException or ObjectDisposedException or OperationCanceledException => ex,
                    _ => new EmailSendException(EmailErrorKind.ConnectionFailed, $"Connecting through {Name} failed: {ex.Message}", ex) { Transport = Name },
                });
                first.SignalLater();
                continue;
            }

            var session = lease.Connection;
            var source = new LeaseSource(this, lease, first, _settings.Pool.MaxMessagesPerConnection);

            // The pipeline judges every failure itself and never throws.
            var reusable = await session.Pipeline.RunAsync(source, connectionWasKnownGood: !lease.IsNew).ConfigureAwait(false);

            // Taken before the connection goes back: from then on another loop may run this pipeline.
            pending = session.Pipeline.TakeDecided();
            lease.Return(reusable);
        }

        // Done: the last outcome is signalled on this thread (a lone caller goes on without a hop).
        pending?.Signal();
    }

    /// <summary>Takes the first waiting send, or, when none waits, ends the calling loop (atomically, so no send is left without a loop).</summary>
    private SmtpTransaction? TakeOrRetire()
    {
        lock (_queueGate)
        {
            var first = TakeLocked();
            if (first is null)
            {
                _loops--;
            }

            return first;
        }
    }

    /// <summary>Fails the sends that waited longer than the acquire timeout for a connection.</summary>
    private void FailOverdue()
    {
        List<SmtpTransaction>? overdue = null;
        int waiting;
        lock (_queueGate)
        {
            for (var node = _waiting.First; node is not null;)
            {
                var next = node.Next;
                if (_timeProvider.GetElapsedTime(node.Value.QueuedAt) >= _settings.Pool.AcquireTimeout)
                {
                    (overdue ??= []).Add(node.Value);
                    _waiting.Remove(node);
                }

                node = next;
            }

            waiting = _waiting.Count;
            if (waiting == 0 && _waitLimitArmed && !_disposed)
            {
                _waitLimitArmed = false;
                _waitLimit.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }

        if (overdue is null)
        {
            return;
        }

        var statistics = _pool.Statistics with { Waiting = waiting + overdue.Count };
        var server = _endpoint ?? _settings.Endpoint;
        Log.PoolExhausted(_telemetry.Logger, server.Host, server.Port, statistics.InUse, statistics.Waiting);
        var reason = new PoolExhaustedException(_settings.Pool, statistics);
        foreach (var transaction in overdue)
        {
            transaction.Fail(new EmailSendException(EmailErrorKind.ServerBusy, $"Sending through {Name}: {reason.Message}", reason)
            {
                IsTransient = true,
                Transport = Name,
                Hint = "More sends are waiting than the pool serves in time: raise maxConnections or acquireTimeout, or send fewer messages at once.",
            });
            transaction.SignalLater();
        }
    }

    /// <summary>The transport's queue as one leased connection sees it: it stops taking at the messages-per-connection cap.</summary>
    private sealed class LeaseSource(SmtpTransport transport, ConnectionPool<SmtpSession>.Lease lease, SmtpTransaction first, int maxMessages) : ITransactionSource
    {
        private SmtpTransaction? _first = first;

        public SmtpTransaction? TryTake()
        {
            if (lease.Messages >= maxMessages)
            {
                return null;
            }

            var next = _first ?? transport.Take();
            _first = null;
            if (next is not null)
            {
                lease.CountMessage();
            }

            return next;
        }

        public Exception? ReturnUnsent(SmtpTransaction transaction, EmailSendException error, bool connectionWasKnownGood) =>
            ((ITransactionSource)transport).ReturnUnsent(transaction, error, connectionWasKnownGood);
    }

    private async Task<SmtpSession> OpenAsync(CancellationToken cancellationToken)
    {
        var endpoint = _settings.Endpoint;
        if (_detection is not null)
        {
            var detected = await _detection.GetAsync(_settings.ToDetectionRequest(), Name, cancellationToken).ConfigureAwait(false);
            endpoint = endpoint with { Host = detected.Host, Port = detected.Port, Security = detected.Security };
            _endpoint = endpoint;
        }

        return await _connector.ConnectAsync(endpoint, _trust, _history, authenticate: true, info: null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ConnectionPool<SmtpSession>.Lease> AcquireAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _pool.AcquireAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PoolExhaustedException ex)
        {
            var statistics = _pool.Statistics;

            // Connections are busy, so the endpoint is known (detected or configured).
            var server = _endpoint ?? _settings.Endpoint;
            Log.PoolExhausted(_telemetry.Logger, server.Host, server.Port, statistics.InUse, statistics.Waiting);
            throw new EmailSendException(EmailErrorKind.ServerBusy, $"Sending through {Name}: {ex.Message}", ex)
            {
                IsTransient = true,
                Transport = Name,
                Hint = "More sends are waiting than the pool serves in time: raise maxConnections or acquireTimeout, or send fewer messages at once.",
            };
        }
    }
}
