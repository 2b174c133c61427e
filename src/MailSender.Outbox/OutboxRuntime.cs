using MailSender.Outbox.Diagnostics;
using MailSender.Outbox.Storage;

namespace MailSender.Outbox;

/// <summary>
/// What the outbox's parts share: the store (opened and initialised once), the options, the clock, the telemetry, and the
/// signal that wakes this process's worker when a message is enqueued here.
/// </summary>
internal sealed class OutboxRuntime : IAsyncDisposable
{
    private readonly SemaphoreSlim _initialization = new(1, 1);
    private volatile bool _initialized;
    private int _closed;

    public OutboxRuntime(IOutboxStore store, OutboxOptions options, string defaultSenderName, TimeProvider timeProvider, OutboxTelemetry telemetry)
    {
        Store = store;
        Options = options;
        DefaultSenderName = defaultSenderName;
        TimeProvider = timeProvider;
        Telemetry = telemetry;
    }

    public IOutboxStore Store { get; }

    public OutboxOptions Options { get; }

    /// <summary>Gets the sender that delivers messages enqueued without <see cref="OutboxEnqueueOptions.SenderName"/>.</summary>
    public string DefaultSenderName { get; }

    public TimeProvider TimeProvider { get; }

    public OutboxTelemetry Telemetry { get; }

    /// <summary>Gets the signal a local enqueue sets, so the worker does not wait for its next poll.</summary>
    public WakeSignal Wake { get; } = new();

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Opens the store and creates its schema, once.</summary>
    public async ValueTask EnsureInitializedAsync(CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        if (_initialized)
        {
            return;
        }

        await _initialization.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_initialized)
            {
                await Store.InitializeAsync(cancellationToken).ConfigureAwait(false);
                _initialized = true;
            }
        }
        finally
        {
            _initialization.Release();
        }
    }

    public void ThrowIfClosed()
    {
        if (IsClosed)
        {
            throw new EmailSendException(EmailErrorKind.StorageFailed, $"The outbox {Store.Description} is closed (the application is shutting down): nothing was stored.")
            {
                Hint = "Enqueue before the host stops, or send directly with IEmailSender.",
            };
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        await Store.DisposeAsync().ConfigureAwait(false);
        _initialization.Dispose();
    }
}

/// <summary>An auto-reset wake-up: set by any number of enqueues, awaited by one worker.</summary>
internal sealed class WakeSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set() => Volatile.Read(ref _next).TrySetResult();

    /// <summary>Gets a task completed by the next <see cref="Set"/> (or already, if one came since the last <see cref="Reset"/>).</summary>
    public Task WaitAsync() => Volatile.Read(ref _next).Task;

    public void Reset()
    {
        var current = Volatile.Read(ref _next);
        if (current.Task.IsCompleted)
        {
            Interlocked.CompareExchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), current);
        }
    }
}
