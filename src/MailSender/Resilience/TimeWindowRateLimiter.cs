using System.Threading.RateLimiting;

namespace MailSender.Resilience;

/// <summary>
/// A fixed-window rate limiter whose windows are timed by a <see cref="TimeProvider"/> (the built-in limiters read the
/// wall clock even when replenished by hand, so tests could not drive them). Requests beyond the window's permits wait in
/// order until a later window; waiting honours cancellation.
/// </summary>
internal sealed class TimeWindowRateLimiter : RateLimiter
{
    private readonly int _permitLimit;
    private readonly ITimer _timer;
    private readonly object _gate = new();
    private readonly Queue<Waiter> _queue = new();
    private int _available;
    private bool _disposed;

    public TimeWindowRateLimiter(int permitLimit, TimeSpan window, TimeProvider timeProvider)
    {
        _permitLimit = permitLimit;
        _available = permitLimit;
        _timer = timeProvider.CreateTimer(static s => ((TimeWindowRateLimiter)s!).StartWindow(), this, window, window);
    }

    public override TimeSpan? IdleDuration => null;

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_gate)
        {
            return new RateLimiterStatistics { CurrentAvailablePermits = _available, CurrentQueuedCount = _queue.Count };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_gate)
        {
            if (!_disposed && permitCount <= _available && _queue.Count == 0)
            {
                _available -= permitCount;
                return Lease.Acquired;
            }

            return Lease.Failed;
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (permitCount > _permitLimit)
        {
            return ValueTask.FromResult<RateLimitLease>(Lease.Failed);
        }

        Waiter waiter;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (permitCount <= _available && _queue.Count == 0)
            {
                _available -= permitCount;
                return ValueTask.FromResult<RateLimitLease>(Lease.Acquired);
            }

            waiter = new Waiter(permitCount);
            _queue.Enqueue(waiter);
        }

        waiter.Registration = cancellationToken.Register(static s => ((Waiter)s!).Completion.TrySetCanceled(), waiter);
        return new ValueTask<RateLimitLease>(waiter.Completion.Task);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing)
        {
            return;
        }

        _timer.Dispose();
        Waiter[] waiting;
        lock (_gate)
        {
            _disposed = true;
            waiting = [.. _queue];
            _queue.Clear();
        }

        foreach (var waiter in waiting)
        {
            waiter.Registration.Dispose();
            waiter.Completion.TrySetException(new ObjectDisposedException(nameof(TimeWindowRateLimiter)));
        }
    }

    private void StartWindow()
    {
        var granted = new List<Waiter>();
        lock (_gate)
        {
            _available = _permitLimit;
            while (_queue.TryPeek(out var next) && (next.Completion.Task.IsCompleted || next.PermitCount <= _available))
            {
                _queue.Dequeue();
                if (!next.Completion.Task.IsCompleted)
                {
                    _available -= next.PermitCount;
                    granted.Add(next);
                }
            }
        }

        foreach (var waiter in granted)
        {
            waiter.Registration.Dispose();
            if (!waiter.Completion.TrySetResult(Lease.Acquired))
            {
                // Cancelled meanwhile: the permit goes back to this window.
                lock (_gate)
                {
                    _available += waiter.PermitCount;
                }
            }
        }
    }

    private sealed class Waiter(int permitCount)
    {
        public int PermitCount { get; } = permitCount;

        public TaskCompletionSource<RateLimitLease> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }
    }

    private sealed class Lease(bool acquired) : RateLimitLease
    {
        public static readonly Lease Acquired = new(true);
        public static readonly Lease Failed = new(false);

        public override bool IsAcquired { get; } = acquired;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
