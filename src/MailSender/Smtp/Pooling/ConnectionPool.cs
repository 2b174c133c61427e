namespace MailSender.Smtp.Pooling;

/// <summary>
/// A pool of connections to one endpoint, shared safely by concurrent callers.
/// </summary>
/// <remarks>
/// <para>At most <see cref="SmtpPoolOptions.MaxConnections"/> connections exist at once (open, opening or in use).
/// Waiters are served first come, first served; an idle connection is reused most-recently-used first, so surplus
/// connections go idle and are closed by the idle timeout.</para>
/// <para>One lock guards the bookkeeping; connecting, checking and closing happen outside it.</para>
/// </remarks>
internal sealed class ConnectionPool<T> : IAsyncDisposable
    where T : class, IPoolableConnection
{
    private readonly Func<CancellationToken, Task<T>> _connect;
    private readonly SmtpPoolOptions _settings;
    private readonly TimeProvider _timeProvider;
    private readonly object _gate = new();
    private readonly List<Entry> _idle = [];
    private readonly LinkedList<TaskCompletionSource<Entry?>> _waiters = new();
    private readonly ITimer _reaper;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _total;
    private int _inUse;
    private long _opened;
    private long _discarded;
    private bool _disposed;

    public ConnectionPool(Func<CancellationToken, Task<T>> connect, SmtpPoolOptions settings, TimeProvider timeProvider)
    {
        _connect = connect;
        _settings = settings;
        _timeProvider = timeProvider;
        var period = TimeSpan.FromTicks(Math.Clamp(Math.Min(settings.IdleTimeout.Ticks, settings.MaxLifetime.Ticks) / 2, TimeSpan.TicksPerMillisecond * 100, TimeSpan.TicksPerSecond * 30));
        _reaper = timeProvider.CreateTimer(static state => ((ConnectionPool<T>)state!).Reap(), this, period, period);
    }

    public PoolStatistics Statistics
    {
        get
        {
            lock (_gate)
            {
                return new PoolStatistics(_inUse, _idle.Count, _waiters.Count, _opened, _discarded);
            }
        }
    }

    /// <summary>Gets a connection: an idle one (checked with NOOP if it idled long), a new one, or the next one released.</summary>
    /// <exception cref="PoolExhaustedException">No connection became free within <see cref="SmtpPoolOptions.AcquireTimeout"/>.</exception>
    public async Task<Lease> AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Entry? entry = null;
            TaskCompletionSource<Entry?>? waiter = null;
            List<Entry>? expired = null;
            var create = false;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);

                // Queue behind earlier waiters, so they are served in order.
                if (_waiters.Count == 0)
                {
                    entry = TakeIdle(ref expired);
                    if (entry is null && _total < _settings.MaxConnections)
                    {
                        _total++;
                        create = true;
                    }
                }

                if (entry is not null)
                {
                    _inUse++;
                }
                else if (!create)
                {
                    waiter = new TaskCompletionSource<Entry?>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _waiters.AddLast(waiter);
                }
            }

            CloseInBackground(expired);
            if (waiter is not null)
            {
                entry = await WaitAsync(waiter, cancellationToken).ConfigureAwait(false);
                create = entry is null;
            }

            if (create)
            {
                return await CreateAsync(cancellationToken).ConfigureAwait(false);
            }

            if (_timeProvider.GetElapsedTime(entry!.LastUsed) >= _settings.CheckAfterIdle && !await IsAliveAsync(entry, cancellationToken).ConfigureAwait(false))
            {
                // The server dropped it while idle: replace it without failing the caller.
                Release(entry, reusable: false);
                continue;
            }

            return new Lease(this, entry, isNew: false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Entry> idle;
        List<TaskCompletionSource<Entry?>> waiters;
        bool drained;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
            _total -= idle.Count;
            _discarded += idle.Count;
            waiters = [.. _waiters];
            _waiters.Clear();
            drained = _total == 0;
        }

        await _reaper.DisposeAsync().ConfigureAwait(false);
        foreach (var waiter in waiters)
        {
            waiter.TrySetException(new ObjectDisposedException(GetType().Name, "The sender was disposed while this send waited for a connection."));
        }

        await Task.WhenAll(idle.Select(e => CloseAsync(e.Connection))).ConfigureAwait(false);

        // In-flight sends finish; their connections are closed (QUIT) as they come back.
        if (!drained)
        {
            await _drained.Task.ConfigureAwait(false);
        }
    }

    internal void Release(Entry entry, bool reusable)
    {
        TaskCompletionSource<Entry?>? waiter;
        var close = false;
        lock (_gate)
        {
            _inUse--;
            entry.LastUsed = _timeProvider.GetTimestamp();
            reusable = reusable && !_disposed && entry.Connection.IsConnected &&
                entry.Messages < _settings.MaxMessagesPerConnection &&
                _timeProvider.GetElapsedTime(entry.Opened) < _settings.MaxLifetime;
            // A discarded connection keeps its slot until it is closed, so the server never sees more than the limit.
            close = !reusable;
            waiter = reusable && !_disposed ? DequeueWaiter() : null;
            if (waiter is not null)
            {
                _inUse++;
            }
            else if (reusable)
            {
                _idle.Add(entry);
            }

        }

        waiter?.TrySetResult(entry);
        if (close)
        {
            _ = DiscardAsync(entry);
        }
    }

    private async Task<Lease> CreateAsync(CancellationToken cancellationToken)
    {
        T connection;
        try
        {
            connection = await _connect(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            TaskCompletionSource<Entry?>? waiter;
            lock (_gate)
            {
                _total--;
                waiter = _disposed ? null : DequeueWaiter();
                if (waiter is not null)
                {
                    _total++;
                }

                SignalIfDrained();
            }

            // The next waiter tries for itself: its own attempt reports its own error.
            waiter?.TrySetResult(null);
            throw;
        }

        var now = _timeProvider.GetTimestamp();
        var entry = new Entry(connection, now);
        bool disposed;
        lock (_gate)
        {
            _opened++;
            _inUse++;
            disposed = _disposed;
        }

        if (disposed)
        {
            Release(entry, reusable: false);
            throw new ObjectDisposedException(GetType().Name);
        }

        return new Lease(this, entry, isNew: true);
    }

    private async Task<Entry?> WaitAsync(TaskCompletionSource<Entry?> waiter, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_settings.AcquireTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using (linked.Token.Register(() => CancelWaiter(waiter, linked.Token)))
        {
            try
            {
                return await waiter.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                PoolStatistics statistics = Statistics;
                throw new PoolExhaustedException(_settings, statistics);
            }
        }
    }

    private void CancelWaiter(TaskCompletionSource<Entry?> waiter, CancellationToken token)
    {
        lock (_gate)
        {
            // Once dequeued, the waiter owns a connection or a slot; it must take it, not leak it.
            if (!_waiters.Remove(waiter))
            {
                return;
            }
        }

        waiter.TrySetCanceled(token);
    }

    private TaskCompletionSource<Entry?>? DequeueWaiter()
    {
        var first = _waiters.First;
        if (first is null)
        {
            return null;
        }

        _waiters.RemoveFirst();
        return first.Value;
    }

    private Entry? TakeIdle(ref List<Entry>? expired)
    {
        while (_idle.Count > 0)
        {
            var entry = _idle[^1];
            _idle.RemoveAt(_idle.Count - 1);
            if (IsExpired(entry))
            {
                (expired ??= []).Add(entry);
                continue;
            }

            return entry;
        }

        return null;
    }

    private bool IsExpired(Entry entry) =>
        !entry.Connection.IsConnected ||
        _timeProvider.GetElapsedTime(entry.LastUsed) >= _settings.IdleTimeout ||
        _timeProvider.GetElapsedTime(entry.Opened) >= _settings.MaxLifetime;

    private void Reap()
    {
        List<Entry>? expired = null;
        lock (_gate)
        {
            for (var i = _idle.Count - 1; i >= 0; i--)
            {
                if (IsExpired(_idle[i]))
                {
                    (expired ??= []).Add(_idle[i]);
                    _idle.RemoveAt(i);
                }
            }
        }

        CloseInBackground(expired);
    }

    private async Task<bool> IsAliveAsync(Entry entry, CancellationToken cancellationToken)
    {
        try
        {
            return await entry.Connection.IsAliveAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The check may have been cut off mid-conversation (its reply still on the way): never hand that connection out again.
            Release(entry, reusable: false);
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Whatever the check threw, the connection is unusable; treating it as dead frees its slot (a leaked slot would block DisposeAsync).
            return false;
        }
    }

    private void CloseInBackground(List<Entry>? entries)
    {
        if (entries is null)
        {
            return;
        }

        foreach (var entry in entries)
        {
            _ = DiscardAsync(entry);
        }
    }

    /// <summary>Closes a connection, then frees its slot: the next waiter, if any, opens a new connection.</summary>
    private async Task DiscardAsync(Entry entry)
    {
        await CloseAsync(entry.Connection).ConfigureAwait(false);
        TaskCompletionSource<Entry?>? waiter;
        lock (_gate)
        {
            _total--;
            _discarded++;
            waiter = _disposed ? null : DequeueWaiter();
            if (waiter is not null)
            {
                _total++;
            }

            SignalIfDrained();
        }

        waiter?.TrySetResult(null);
    }

    /// <summary>Completes disposal once every connection, idle or lent, has been closed. Call under the lock.</summary>
    private void SignalIfDrained()
    {
        if (_disposed && _total == 0)
        {
            _drained.TrySetResult();
        }
    }

    private static async Task CloseAsync(T connection)
    {
        try
        {
            await connection.CloseAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Closing is best effort: the connection is gone either way.
        }
    }

    /// <summary>One pooled connection and its bookkeeping.</summary>
    internal sealed class Entry(T connection, long opened)
    {
        public T Connection { get; } = connection;

        public long Opened { get; } = opened;

        public long LastUsed { get; set; } = opened;

        public int Messages { get; set; }
    }

    /// <summary>A connection lent to one caller; return it exactly once.</summary>
    internal sealed class Lease(ConnectionPool<T> pool, Entry entry, bool isNew)
    {
        private int _returned;

        public T Connection => entry.Connection;

        /// <summary>Gets a value indicating whether the connection was opened for this lease (so it cannot be stale).</summary>
        public bool IsNew { get; } = isNew;

        /// <summary>Gets how many messages the connection has carried (or attempted).</summary>
        public int Messages => entry.Messages;

        /// <summary>Counts a message sent (or attempted) on the connection, for the messages-per-connection cap.</summary>
        public void CountMessage() => entry.Messages++;

        /// <summary>Gives the connection back: reused when <paramref name="reusable"/>, otherwise closed.</summary>
        public void Return(bool reusable)
        {
            if (Interlocked.Exchange(ref _returned, 1) == 0)
            {
                pool.Release(entry, reusable);
            }
        }
    }
}
