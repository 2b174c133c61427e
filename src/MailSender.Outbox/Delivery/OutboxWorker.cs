using MailSender.DependencyInjection;
using MailSender.Internal;
using MailSender.Outbox.Diagnostics;
using MailSender.Outbox.Storage;
using MailSender.Sending;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailSender.Outbox.Delivery;

/// <summary>
/// Delivers due messages: claims them with a lease, sends each through its named sender (pool, resilience, DKIM,
/// telemetry), and records every recipient's outcome. Runs as a hosted service (<see cref="OutboxOptions.RunWorker"/>) or
/// from <c>mailsender worker</c> through <see cref="RunAsync"/>.
/// </summary>
/// <remarks>
/// <para>Before the write that may complete a message, the send reaches a <see cref="DeliveryCheckpoint"/> and the worker
/// records it durably (fenced by the lease). After a crash, a message whose lease expired without that record cannot have
/// been delivered and is sent again; one with it may have been, and becomes <see cref="OutboxState.Uncertain"/>.</para>
/// <para>Graceful stop: no new claims; sends in flight finish, or, when the host's shutdown deadline passes, are cancelled
/// and given back unsent (those past their checkpoint always finish and report).</para>
/// </remarks>
internal sealed class OutboxWorker : BackgroundService
{
    private static readonly TimeSpan StatisticsInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(10);
    private readonly OutboxRuntime _runtime;
    private readonly EmailSenderFactory _senders;
    private readonly IOptionsMonitor<MailSenderOptions> _senderOptions;
    private readonly AttemptJudge _judge;
    private readonly Dictionary<Guid, Delivery> _inFlight = [];
    private readonly WakeSignal _slotFreed = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly SemaphoreSlim _sendSlots;
    private readonly SemaphoreSlim _permitGate = new(1, 1);

    /// <param name="runtime">The store, options and clock.</param>
    /// <param name="senders">MailSender's own factory (not <see cref="IEmailSenderFactory"/>, which enqueues when <see cref="OutboxOptions.QueueSends"/> is on).</param>
    /// <param name="senderOptions">The senders' options, for their rate limits.</param>
    public OutboxWorker(OutboxRuntime runtime, EmailSenderFactory senders, IOptionsMonitor<MailSenderOptions> senderOptions)
    {
        _runtime = runtime;
        _senders = senders;
        _senderOptions = senderOptions;
        _judge = new AttemptJudge(runtime.Options);
        _sendSlots = new SemaphoreSlim(runtime.Options.Concurrency, runtime.Options.Concurrency);
    }

    /// <summary>Gets what this worker did so far (for the CLI's progress line and summary).</summary>
    public WorkerCounters Counters { get; } = new();

    private OutboxOptions Options => _runtime.Options;

    private IOutboxStore Store => _runtime.Store;

    private ILogger Logger => _runtime.Telemetry.Logger;

    /// <summary>Opens the store at start-up, so a wrong, corrupt or foreign store stops the application with a clear error.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await _runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        if (Options.RunWorker)
        {
            await base.StartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops claiming; when <paramref name="cancellationToken"/> (the host's deadline) fires, cancels the sends still before their end.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        using var deadline = cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _abort);
        await base.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _abort.Dispose();
        _sendSlots.Dispose();
        _permitGate.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// Delivers until <paramref name="stopping"/> fires (then waits for the sends in flight, cancelling those still before
    /// their end when <paramref name="abort"/> fires) or, with <paramref name="exitWhenEmpty"/>, until nothing is due or in flight.
    /// </summary>
    public async Task RunAsync(bool exitWhenEmpty, CancellationToken stopping, CancellationToken abort)
    {
        using var abortLink = abort.Register(static state => ((CancellationTokenSource)state!).Cancel(), _abort);
        await _runtime.EnsureInitializedAsync(stopping).ConfigureAwait(false);
        OutboxLog.WorkerStarted(Logger, Store.Description, Options.Concurrency, Options.LeaseDuration);
        var time = _runtime.TimeProvider;
        IAsyncDisposable? listener = null;
        var storeFailures = 0;
        var nextRenewal = time.GetUtcNow() + (Options.LeaseDuration / 3);
        var nextStatistics = DateTimeOffset.MinValue;
        var nextPurge = time.GetUtcNow() + TimeSpan.FromSeconds(30);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                _runtime.Wake.Reset();
                _slotFreed.Reset();
                var delay = Options.PollInterval;
                var claimedAll = false;
                var claimedNone = true;
                try
                {
                    listener ??= await Store.ListenAsync(_runtime.Wake.Set, stopping).ConfigureAwait(false) ?? NoListener.Instance;
                    // Claims come in batches (up to twice the send slots held, topped up once half a batch is free), so
                    // the store sees one claim per several messages, not one per freed slot; held messages wait for a
                    // slot under their lease.
                    var held = InFlightCount;
                    var free = Capacity - held;
                    if (held == 0 || free >= Math.Max(1, Options.Concurrency / 2))
                    {
                        // A shared rate limit is taken per send, when a message gets its slot (WaitForPermitAsync), not
                        // here: claimed messages wait under their lease, and a stall cannot release them in a burst.
                        var claimed = await Store.ClaimAsync(free, time.GetUtcNow(), Options.LeaseDuration, Options.AtLeastOnce, stopping).ConfigureAwait(false);
                        foreach (var message in claimed)
                        {
                            Start(message);
                        }

                        claimedNone = claimed.Count == 0;
                        claimedAll = claimed.Count == free;
                    }

                    var now = time.GetUtcNow();
                    if (now >= nextRenewal)
                    {
                        nextRenewal = now + (Options.LeaseDuration / 3);
                        await RenewAsync(now, stopping).ConfigureAwait(false);
                    }

                    if (now >= nextStatistics)
                    {
                        nextStatistics = now + StatisticsInterval;
                        _runtime.Telemetry.Counted(await Store.GetStatisticsAsync(now, stopping).ConfigureAwait(false));
                    }

                    if (Options.RetainFinished is { } retain && now >= nextPurge)
                    {
                        nextPurge = now + PurgeInterval;
                        var purged = await Store.PurgeAsync(now - retain, OutboxStates.Final, stopping).ConfigureAwait(false);
                        if (purged > 0)
                        {
                            OutboxLog.Purged(Logger, purged, retain);
                        }
                    }

                    if (exitWhenEmpty && claimedNone && InFlightCount == 0 && await IsIdleAsync(stopping).ConfigureAwait(false))
                    {
                        break;
                    }

                    storeFailures = 0;
                }
                catch (Exception ex) when (!stopping.IsCancellationRequested && ex is not OutOfMemoryException)
                {
                    // The database is unreachable or busy: nothing is lost (what is held stays leased); try again later.
                    storeFailures++;
                    delay = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(storeFailures, 5) - 1)));
                    OutboxLog.StoreFailed(Logger, Store.Description, delay.TotalSeconds, ex.Message);
                    listener = listener is NoListener ? null : listener;
                }

                if (claimedAll && InFlightCount < Capacity)
                {
                    // More may be due right now.
                    continue;
                }

                await Task.WhenAny(_runtime.Wake.WaitAsync(), _slotFreed.WaitAsync(), Task.Delay(delay, time, stopping)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: fall through to wait for the sends in flight.
        }
        finally
        {
            Task[] running;
            lock (_inFlight)
            {
                running = [.. _inFlight.Values.Select(d => d.Task)];
            }

            await Task.WhenAll(running).ConfigureAwait(false);
            if (listener is not null)
            {
                await listener.DisposeAsync().ConfigureAwait(false);
            }

            OutboxLog.WorkerStopped(Logger, Counters.Released);
        }
    }

    /// <summary>Nothing is due now and no worker holds a message (deferred ones due later do not count).</summary>
    private async Task<bool> IsIdleAsync(CancellationToken cancellationToken)
    {
        var due = await Store.GetNextDueAsync(cancellationToken).ConfigureAwait(false);
        return (due is null || due > _runtime.TimeProvider.GetUtcNow())
            && await Store.CountSendingAsync(cancellationToken).ConfigureAwait(false) == 0;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => RunAsync(exitWhenEmpty: false, stoppingToken, CancellationToken.None);

    /// <summary>Gets how many messages the worker holds at most: sending, or claimed and waiting for a send slot.</summary>
    private int Capacity => Options.Concurrency * 2;

    private int InFlightCount
    {
        get
        {
            lock (_inFlight)
            {
                return _inFlight.Count;
            }
        }
    }

    /// <summary>The limit shared by every worker of the store: the outbox's own, else the default sender's (which provider presets set).</summary>
    private (int Permits, TimeSpan Window)? RateLimit()
    {
        var limit = Options.RateLimit.MessagesPerSecond is not null || Options.RateLimit.MessagesPerMinute is not null
            ? Options.RateLimit
            : _senderOptions.Get(_runtime.DefaultSenderName).Resilience.RateLimit;

        // Tenths of the period, so the permits are spread over it rather than taken in a burst at its start.
        return limit.MessagesPerSecond is { } perSecond ? Split(perSecond, TimeSpan.FromSeconds(1))
            : limit.MessagesPerMinute is { } perMinute ? Split(perMinute, TimeSpan.FromMinutes(1))
            : null;

        static (int, TimeSpan) Split(int permits, TimeSpan period) => permits >= 10 && permits % 10 == 0 ? (permits / 10, period / 10) : (permits, period);
    }

    /// <summary>
    /// Takes one permit of the limit shared by every worker of the store, waiting for the next window when it is used up.
    /// One send at a time asks the store; the others wait behind it, so a throttled worker makes one query per pause.
    /// </summary>
    private async Task WaitForPermitAsync(CancellationToken cancellationToken)
    {
        if (RateLimit() is not { } limit)
        {
            return;
        }

        var pause = limit.Window / 4 < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : limit.Window / 4;
        await _permitGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (await Store.TakePermitsAsync("sender:" + _runtime.DefaultSenderName, 1, limit.Permits, limit.Window, cancellationToken).ConfigureAwait(false) == 0)
            {
                await Task.Delay(pause, _runtime.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _permitGate.Release();
        }
    }

    private void Start(ClaimedMessage message)
    {
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
        var delivery = new Delivery(message, cancellation);
        lock (_inFlight)
        {
            _inFlight[message.Id] = delivery;
        }

        delivery.Task = Task.Run(async () =>
        {
            try
            {
                await DeliverAsync(delivery).ConfigureAwait(false);
            }
            finally
            {
                lock (_inFlight)
                {
                    _inFlight.Remove(message.Id);
                }

                delivery.Finish();
                _slotFreed.Set();
            }
        }, CancellationToken.None);
    }

    private async Task RenewAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        Delivery[] held;
        lock (_inFlight)
        {
            held = [.. _inFlight.Values];
        }

        if (held.Length == 0)
        {
            return;
        }

        var lost = await Store.RenewLeasesAsync([.. held.Select(d => (d.Message.Id, d.Message.Lease))], now + Options.LeaseDuration, cancellationToken).ConfigureAwait(false);
        foreach (var delivery in held)
        {
            // A delivery that finished meanwhile cleared its own lease: that is not a loss.
            if (lost.Contains(delivery.Message.Id) && delivery.TryCancel())
            {
                // Another worker has it now: stop before the end is written (the checkpoint's fence stops it anyway).
                OutboxLog.LeaseLost(Logger, delivery.Message.Id);
            }
        }
    }

    private async Task DeliverAsync(Delivery delivery)
    {
        var message = delivery.Message;
        using var activity = OutboxTelemetry.StartDelivery(message);
        var token = delivery.Cancellation.Token;
        try
        {
            await _sendSlots.WaitAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped (or the lease was lost) while it waited for a slot: nothing was sent.
            await ReleaseAsync(message).ConfigureAwait(false);
            return;
        }

        AttemptRecord? record;
        try
        {
            try
            {
                await WaitForPermitAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or EmailSendException)
            {
                // Stopped, or the store is unreachable, before sending: given back (or left to its lease) unsent.
                await ReleaseAsync(message).ConfigureAwait(false);
                return;
            }

            record = await AttemptAsync(delivery).ConfigureAwait(false);
        }
        finally
        {
            // The slot is for the send: the outcome is recorded without it, while the next message goes out.
            _sendSlots.Release();
        }

        if (record is null)
        {
            return;
        }

        if (record.State == OutboxState.Sent && message.Attempts > 1)
        {
            record = await WithEarlierOutcomesAsync(record).ConfigureAwait(false);
        }

        if (await CompleteAsync(record).ConfigureAwait(false))
        {
            Counters.Count(record.State);
            _runtime.Telemetry.Attempted(record.State, message.CreatedAt, record.Now);
            activity?.SetTag("mailsender.outbox.state", OutboxStates.Name(record.State));
            if (record.State == OutboxState.Sent)
            {
                OutboxLog.Attempted(Logger, message.Id, OutboxStates.Name(record.State), message.Attempts);
            }
            else
            {
                OutboxLog.AttemptFailed(Logger, message.Id, OutboxStates.Name(record.State), message.Attempts, record.LastError);
            }
        }
        else
        {
            OutboxLog.LeaseLost(Logger, message.Id);
        }
    }

    /// <summary>Sends the held message once; returns the outcome to record, or null when there is none (given back, or taken over).</summary>
    private async Task<AttemptRecord?> AttemptAsync(Delivery delivery)
    {
        var message = delivery.Message;
        var token = delivery.Cancellation.Token;
        var finalWriteReached = false;
        try
        {
            return await SendAsync(message, () => finalWriteReached = true, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsLeaseLost(ex))
        {
            OutboxLog.LeaseLost(Logger, message.Id);
            return null;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested && !finalWriteReached)
        {
            // Stopped before the end was written: nothing was delivered; give it back for the next worker.
            await ReleaseAsync(message).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return _judge.Judge(message, ex, _runtime.TimeProvider.GetUtcNow(), finalWriteReached);
        }
    }

    private async Task<AttemptRecord> SendAsync(ClaimedMessage message, Action reached, CancellationToken cancellationToken)
    {
        var now = _runtime.TimeProvider.GetUtcNow();
        if (message.Body is null)
        {
            return AttemptJudge.Unreadable(message, "The stored message is gone (its bytes were deleted), so it cannot be sent.", now);
        }

        MimeMessage mime;
        try
        {
            // From memory: the synchronous parser, without the asynchronous one's overhead.
            using var stream = new MemoryStream(message.Body, writable: false);
            mime = MimeMessage.Load(stream, cancellationToken);
        }
        catch (FormatException ex)
        {
            return AttemptJudge.Unreadable(message, "The stored message cannot be read back: " + ex.Message, now);
        }

        var sender = _senders.GetSender(message.SenderName);
        var envelope = new MailEnvelope(MailboxAddress.Parse(message.From), [.. message.Pending.Select(p => MailboxAddress.Parse(p.Address))]);
        async ValueTask MarkAsync(CancellationToken token)
        {
            reached();
            if (!await Store.MarkFinalWriteAsync(message.Id, message.Lease, _runtime.TimeProvider.GetUtcNow(), token).ConfigureAwait(false))
            {
                throw new LeaseLostException();
            }
        }

        SendResult result;
        if (sender is DefaultEmailSender ours)
        {
            if (ours.ReportsFinalWrite)
            {
                var checkpoint = new DeliveryCheckpoint(MarkAsync);
                using (DeliveryCheckpoint.Enter(checkpoint))
                {
                    result = await ours.SendAsync(mime, envelope, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                // A transport that does not say when the end is written (a user's own, the test fake): recorded up
                // front, so a crash during the send leaves the message uncertain rather than sent twice.
                await MarkAsync(cancellationToken).ConfigureAwait(false);
                result = await ours.SendAsync(mime, envelope, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            if (message.Pending.Count != mime.To.Count + mime.Cc.Count + mime.Bcc.Count)
            {
                return AttemptJudge.Unreadable(message, $"The sender '{message.SenderName}' is not MailSender's own, so the message cannot be sent to only some of its recipients.", now);
            }

            await MarkAsync(cancellationToken).ConfigureAwait(false);
            result = await sender.SendAsync(mime, cancellationToken).ConfigureAwait(false);
        }

        return _judge.Judge(message, result, _runtime.TimeProvider.GetUtcNow());
    }

    /// <summary>A message finished by a later attempt is failed (or uncertain) if an earlier attempt left a recipient so.</summary>
    private async Task<AttemptRecord> WithEarlierOutcomesAsync(AttemptRecord record)
    {
        try
        {
            var stored = await Store.GetAsync(record.Id, CancellationToken.None).ConfigureAwait(false);
            var updated = record.Recipients.Select(r => r.Position).ToHashSet();
            var earlier = stored?.Recipients.Where((_, position) => !updated.Contains(position)).Select(r => r.State).ToArray() ?? [];
            var state = earlier.Contains(OutboxState.Failed) ? OutboxState.Failed : earlier.Contains(OutboxState.Uncertain) ? OutboxState.Uncertain : OutboxState.Sent;
            if (state == OutboxState.Sent)
            {
                return record;
            }

            return new AttemptRecord
            {
                Id = record.Id,
                Lease = record.Lease,
                State = state,
                LastError = stored!.LastError,
                LastStatusCode = stored.LastStatusCode,
                Hint = stored.Hint,
                FinishedAt = record.FinishedAt,
                DeleteBody = false,
                Now = record.Now,
                Recipients = record.Recipients,
            };
        }
        catch (EmailSendException)
        {
            return record;
        }
    }

    /// <summary>Records the outcome, trying again for a while if the database is briefly unreachable (the lease covers it).</summary>
    private async Task<bool> CompleteAsync(AttemptRecord record)
    {
        var deadline = _runtime.TimeProvider.GetUtcNow() + (Options.LeaseDuration / 2);
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                return await Store.CompleteAttemptAsync(record, CancellationToken.None).ConfigureAwait(false);
            }
            catch (EmailSendException ex) when (ex.IsTransient && _runtime.TimeProvider.GetUtcNow() + delay < deadline)
            {
                OutboxLog.StoreFailed(Logger, Store.Description, delay.TotalSeconds, ex.Message);
                await Task.Delay(delay, _runtime.TimeProvider).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
            catch (EmailSendException ex)
            {
                // Unrecorded: when the lease expires, the message is sent again or parked as uncertain, as after a crash.
                OutboxLog.StoreFailed(Logger, Store.Description, 0, ex.Message);
                return false;
            }
        }
    }

    private async Task ReleaseAsync(ClaimedMessage message)
    {
        try
        {
            await Store.ReleaseAsync([(message.Id, message.Lease)], CancellationToken.None).ConfigureAwait(false);
            Counters.CountReleased();
        }
        catch (EmailSendException ex)
        {
            // Its lease expires instead, and the next worker takes it.
            OutboxLog.StoreFailed(Logger, Store.Description, 0, ex.Message);
        }
    }

    private static bool IsLeaseLost(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            if (error is LeaseLostException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The checkpoint found the lease gone: another worker holds the message, so this one must not finish it.</summary>
    private sealed class LeaseLostException() : Exception("The outbox lease on this message was taken over by another worker.");

    private sealed class Delivery(ClaimedMessage message, CancellationTokenSource cancellation)
    {
        private readonly object _gate = new();
        private bool _finished;

        public ClaimedMessage Message { get; } = message;

        public CancellationTokenSource Cancellation { get; } = cancellation;

        /// <summary>Cancels the send unless it has finished; returns whether it was still running.</summary>
        public bool TryCancel()
        {
            lock (_gate)
            {
                if (_finished)
                {
                    return false;
                }

                Cancellation.Cancel();
                return true;
            }
        }

        /// <summary>Marks the delivery done and frees its cancellation source (a later renewal leaves it alone).</summary>
        public void Finish()
        {
            lock (_gate)
            {
                _finished = true;
                Cancellation.Dispose();
            }
        }

        public Task Task { get; set; } = Task.CompletedTask;
    }

    private sealed class NoListener : IAsyncDisposable
    {
        public static readonly NoListener Instance = new();

        public ValueTask DisposeAsync() => default;
    }
}

/// <summary>How many attempts of this worker ended in each state (for the CLI).</summary>
internal sealed class WorkerCounters
{
    private long _sent;
    private long _deferred;
    private long _failed;
    private long _uncertain;

    public long Sent => Interlocked.Read(ref _sent);

    public long Deferred => Interlocked.Read(ref _deferred);

    public long Failed => Interlocked.Read(ref _failed);

    public long Uncertain => Interlocked.Read(ref _uncertain);

    private int _released;

    public int Released => Volatile.Read(ref _released);

    /// <summary>Counts a message given back unsent (from any delivery task).</summary>
    public void CountReleased() => Interlocked.Increment(ref _released);

    public void Count(OutboxState state)
    {
        switch (state)
        {
            case OutboxState.Sent: Interlocked.Increment(ref _sent); break;
            case OutboxState.Deferred: Interlocked.Increment(ref _deferred); break;
            case OutboxState.Failed: Interlocked.Increment(ref _failed); break;
            case OutboxState.Uncertain: Interlocked.Increment(ref _uncertain); break;
        }
    }
}
