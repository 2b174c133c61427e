using MailSender.Smtp.Pooling;
using MailSender.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace MailSender.Tests.Smtp.Pooling;

public class ConnectionPoolTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly List<FakeConnection> _created = [];
    private int _open;
    private int _maxOpen;

    [Fact]
    public async Task AcquireAsync_ReturnedConnection_IsReused()
    {
        await using var pool = Pool();

        var first = await pool.AcquireAsync(default);
        first.Return(reusable: true);
        var second = await pool.AcquireAsync(default);

        Assert.True(first.IsNew);
        Assert.False(second.IsNew);
        Assert.Same(first.Connection, second.Connection);
        Assert.Single(_created);
        Assert.Equal(new PoolStatistics(InUse: 1, Idle: 0, Waiting: 0, Opened: 1, Discarded: 0), pool.Statistics);
        second.Return(reusable: true);
        Assert.Equal(new PoolStatistics(InUse: 0, Idle: 1, Waiting: 0, Opened: 1, Discarded: 0), pool.Statistics);
    }

    [Fact]
    public async Task AcquireAsync_NotReusable_ClosesAndOpensAnother()
    {
        await using var pool = Pool();

        var first = await pool.AcquireAsync(default);
        first.Return(reusable: false);
        var second = await pool.AcquireAsync(default);

        Assert.NotSame(first.Connection, second.Connection);
        Assert.True(((FakeConnection)first.Connection).Closed);
        Assert.Equal(1, pool.Statistics.Discarded);
        second.Return(reusable: true);
    }

    [Fact]
    public async Task AcquireAsync_AtLimit_WaitersAreServedInOrder()
    {
        await using var pool = Pool(new SmtpPoolOptions { MaxConnections = 1 });
        var holder = await pool.AcquireAsync(default);
        var order = new List<int>();

        // Each waiter joins the queue only once the previous one is in it, so the queue order is known.
        var waiters = new List<Task>();
        for (var i = 0; i < 5; i++)
        {
            waiters.Add(AcquireThenRecord(i));
            var queued = i + 1;
            await Eventually.TrueAsync(() => pool.Statistics.Waiting == queued, $"waiter {i} queued behind {i} others");
        }

        Assert.Empty(order);
        holder.Return(reusable: true);
        await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal([0, 1, 2, 3, 4], order);
        Assert.Single(_created);

        async Task AcquireThenRecord(int waiter)
        {
            var lease = await pool.AcquireAsync(default);
            lock (order)
            {
                order.Add(waiter);
            }

            // Handing the connection back serves the next waiter, so each one records before the next can run.
            lease.Return(reusable: true);
        }
    }

    [Fact]
    public async Task AcquireAsync_ManyConcurrentCallers_NeverExceedMaxConnections()
    {
        await using var pool = Pool(new SmtpPoolOptions { MaxConnections = 4 });

        await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => Task.Run(async () =>
        {
            var lease = await pool.AcquireAsync(default);
            await Task.Yield();
            lease.CountMessage();
            lease.Return(reusable: true);
        })));

        Assert.True(_maxOpen <= 4, $"{_maxOpen} connections were open at once");
        Assert.Equal(0, pool.Statistics.InUse);
    }

    [Fact]
    public async Task Return_AfterMaxMessages_ReplacesTheConnection()
    {
        await using var pool = Pool(new SmtpPoolOptions { MaxMessagesPerConnection = 3 });

        var connections = new List<IPoolableConnection>();
        for (var i = 0; i < 7; i++)
        {
            var lease = await pool.AcquireAsync(default);
            connections.Add(lease.Connection);
            lease.CountMessage();
            lease.Return(reusable: true);
        }

        Assert.Equal(3, connections.Distinct().Count());
        Assert.Equal([3, 3, 1], connections.GroupBy(c => c).Select(g => g.Count()));
        Assert.Equal(2, _created.Count(c => c.Closed));
    }

    [Fact]
    public async Task IdleTimeout_Elapsed_ReaperClosesIdleConnection()
    {
        await using var pool = Pool(new SmtpPoolOptions { IdleTimeout = TimeSpan.FromSeconds(10) });
        var lease = await pool.AcquireAsync(default);
        lease.Return(reusable: true);

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(_created[0].Closed);
        _time.Advance(TimeSpan.FromSeconds(6));

        await Eventually.TrueAsync(() => _created[0].Closed, "the reaper closing the idle connection");
        Assert.Equal(0, pool.Statistics.Idle);
        var next = await pool.AcquireAsync(default);
        Assert.True(next.IsNew);
        next.Return(reusable: true);
    }

    [Fact]
    public async Task MaxLifetime_Exceeded_ConnectionIsNotReusedEvenIfBusy()
    {
        await using var pool = Pool(new SmtpPoolOptions { MaxLifetime = TimeSpan.FromMinutes(1), IdleTimeout = TimeSpan.FromMinutes(10), CheckAfterIdle = TimeSpan.FromMinutes(10) });
        var lease = await pool.AcquireAsync(default);
        _time.Advance(TimeSpan.FromSeconds(61));
        lease.Return(reusable: true);

        var next = await pool.AcquireAsync(default);

        Assert.True(next.IsNew);
        Assert.True(_created[0].Closed);
        next.Return(reusable: true);
    }

    [Fact]
    public async Task AcquireAsync_IdleLongerThanCheckThresholdAndDead_ReplacesTransparently()
    {
        await using var pool = Pool(new SmtpPoolOptions { CheckAfterIdle = TimeSpan.FromSeconds(2) });
        var lease = await pool.AcquireAsync(default);
        lease.Return(reusable: true);
        _created[0].Alive = false;
        _time.Advance(TimeSpan.FromSeconds(3));

        var next = await pool.AcquireAsync(default);

        Assert.Equal(1, _created[0].Checks);
        Assert.True(_created[0].Closed);
        Assert.True(next.IsNew);
        next.Return(reusable: true);
    }

    [Fact]
    public async Task AcquireAsync_IdleCheckThrowsAnUnexpectedException_ReplacesTheConnectionAndFreesItsSlot()
    {
        // Regression: an exception the check did not expect left the slot taken for good, so DisposeAsync never returned.
        var pool = Pool(new SmtpPoolOptions { MaxConnections = 1, CheckAfterIdle = TimeSpan.FromSeconds(2) });
        (await pool.AcquireAsync(default)).Return(reusable: true);
        _created[0].CheckThrows = new ObjectDisposedException("SslStream");
        _time.Advance(TimeSpan.FromSeconds(3));

        var next = await pool.AcquireAsync(default);

        Assert.True(next.IsNew);
        Assert.True(_created[0].Closed);
        next.Return(reusable: true);
        await pool.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AcquireAsync_CancelledDuringTheIdleCheck_DiscardsThatConnection()
    {
        // A check cut off mid-NOOP may leave its reply on the wire: the connection must not be handed out again.
        var pool = Pool(new SmtpPoolOptions { MaxConnections = 1, CheckAfterIdle = TimeSpan.FromSeconds(2) });
        (await pool.AcquireAsync(default)).Return(reusable: true);
        _created[0].CheckThrows = new OperationCanceledException();
        _time.Advance(TimeSpan.FromSeconds(3));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.AcquireAsync(default));

        await Eventually.TrueAsync(() => _created[0].Closed, "the connection whose check was cancelled is closed");
        var next = await pool.AcquireAsync(default);
        Assert.True(next.IsNew);
        next.Return(reusable: true);
        await pool.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AcquireAsync_RecentlyUsed_IsNotChecked()
    {
        await using var pool = Pool(new SmtpPoolOptions { CheckAfterIdle = TimeSpan.FromSeconds(2) });
        var lease = await pool.AcquireAsync(default);
        lease.Return(reusable: true);
        _time.Advance(TimeSpan.FromSeconds(1));

        (await pool.AcquireAsync(default)).Return(reusable: true);

        Assert.Equal(0, _created[0].Checks);
    }

    [Fact]
    public async Task AcquireAsync_ServerClosedIdleConnection_IsDiscardedWithoutCheck()
    {
        await using var pool = Pool();
        var lease = await pool.AcquireAsync(default);
        lease.Return(reusable: true);
        _created[0].Connected = false;

        var next = await pool.AcquireAsync(default);

        Assert.True(next.IsNew);
        Assert.True(_created[0].Closed);
        next.Return(reusable: true);
    }

    [Fact]
    public async Task AcquireAsync_CancelledWhileWaiting_ThrowsAndLeaksNothing()
    {
        await using var pool = Pool(new SmtpPoolOptions { MaxConnections = 1 });
        var holder = await pool.AcquireAsync(default);
        using var cancellation = new CancellationTokenSource();

        var waiting = pool.AcquireAsync(cancellation.Token);
        await Eventually.TrueAsync(() => pool.Statistics.Waiting == 1, "one caller queued for the connection");
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, pool.Statistics.Waiting);
        holder.Return(reusable: true);
        Assert.Equal(1, pool.Statistics.Idle);
        var again = await pool.AcquireAsync(default);
        Assert.Same(holder.Connection, again.Connection);
        again.Return(reusable: true);
    }

    [Fact]
    public async Task AcquireAsync_NothingFreeWithinTimeout_ThrowsPoolExhausted()
    {
        await using var pool = Pool(new SmtpPoolOptions { MaxConnections = 1, AcquireTimeout = TimeSpan.FromSeconds(5) });
        var holder = await pool.AcquireAsync(default);

        var waiting = pool.AcquireAsync(default);
        await Eventually.TrueAsync(() => pool.Statistics.Waiting == 1, "one caller queued for the connection");
        _time.Advance(TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<PoolExhaustedException>(() => waiting);
        Assert.Contains("exhausted", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, pool.Statistics.Waiting);
        holder.Return(reusable: true);
    }

    [Fact]
    public async Task AcquireAsync_ConnectFails_SlotGoesToNextWaiter()
    {
        var secondConnect = new TaskCompletionSource<FakeConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        var connects = 0;
        await using var pool = new ConnectionPool<FakeConnection>(
            _ => Interlocked.Increment(ref connects) switch
            {
                1 => Task.FromException<FakeConnection>(new IOException("refused")),
                2 => secondConnect.Task,
                _ => Task.FromResult(Create()),
            },
            new SmtpPoolOptions { MaxConnections = 1 },
            _time);

        // Nobody waiting: the failed connect frees its slot, so the next caller connects instead of queueing.
        await Assert.ThrowsAsync<IOException>(() => pool.AcquireAsync(default));
        var failing = pool.AcquireAsync(default);
        var waiting = pool.AcquireAsync(default);
        await Eventually.TrueAsync(() => pool.Statistics.Waiting == 1, "the third caller queued behind the connecting one");

        // Someone waiting: the failed connect hands its slot to the waiter, which opens its own connection.
        secondConnect.SetException(new IOException("refused"));

        await Assert.ThrowsAsync<IOException>(() => failing);
        var lease = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(lease.IsNew);
        Assert.Equal(3, connects);
        Assert.Equal(1, pool.Statistics.InUse);
        Assert.Equal(0, pool.Statistics.Waiting);
        lease.Return(reusable: true);
    }

    [Fact]
    public async Task DisposeAsync_WithSendInFlight_WaitsThenClosesEverything()
    {
        var pool = Pool(new SmtpPoolOptions { MaxConnections = 2 });
        var busy = await pool.AcquireAsync(default);
        var idle = await pool.AcquireAsync(default);
        idle.Return(reusable: true);

        var disposing = pool.DisposeAsync().AsTask();
        await Eventually.TrueAsync(() => ((FakeConnection)idle.Connection).Closed, "disposal closing the idle connection");

        Assert.False(disposing.IsCompleted);
        Assert.False(((FakeConnection)busy.Connection).Closed);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.AcquireAsync(default));
        busy.Return(reusable: true);
        await disposing;
        await Eventually.TrueAsync(() => ((FakeConnection)busy.Connection).Closed, "the returned busy connection being closed");
    }

    [Fact]
    public async Task DisposeAsync_WhileWaiting_FailsTheWaiter()
    {
        var pool = Pool(new SmtpPoolOptions { MaxConnections = 1 });
        var holder = await pool.AcquireAsync(default);
        var waiting = pool.AcquireAsync(default);
        await Eventually.TrueAsync(() => pool.Statistics.Waiting == 1, "one caller queued for the connection");

        var disposing = pool.DisposeAsync().AsTask();

        var ex = await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
        Assert.Contains("disposed while this send waited for a connection", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, pool.Statistics.Waiting);
        holder.Return(reusable: true);
        await disposing;
    }

    [Fact]
    public async Task AcquireAsync_AfterDisposeAsync_ThrowsWithoutConnecting()
    {
        var pool = Pool();
        (await pool.AcquireAsync(default)).Return(reusable: true);
        await pool.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.AcquireAsync(default));

        Assert.Single(_created);
        Assert.Equal(new PoolStatistics(InUse: 0, Idle: 0, Waiting: 0, Opened: 1, Discarded: 1), pool.Statistics);
    }

    [Fact]
    public async Task DisposeAsync_WhileConnecting_ClosesTheNewConnectionAndFailsTheCaller()
    {
        var connect = new TaskCompletionSource<FakeConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pool = new ConnectionPool<FakeConnection>(_ => connect.Task, new SmtpPoolOptions(), _time);
        var acquiring = pool.AcquireAsync(default);

        var disposing = pool.DisposeAsync().AsTask();
        Assert.False(disposing.IsCompleted);
        var connection = Create();
        connect.SetResult(connection);

        await Assert.ThrowsAsync<ObjectDisposedException>(() => acquiring);
        await disposing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(connection.Closed);
    }

    [Fact]
    public async Task DisposeAsync_WhileAConnectFails_CompletesOnceThatSlotIsFreed()
    {
        var connect = new TaskCompletionSource<FakeConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pool = new ConnectionPool<FakeConnection>(_ => connect.Task, new SmtpPoolOptions(), _time);
        var acquiring = pool.AcquireAsync(default);

        var disposing = pool.DisposeAsync().AsTask();
        Assert.False(disposing.IsCompleted);
        connect.SetException(new IOException("refused"));

        await Assert.ThrowsAsync<IOException>(() => acquiring);
        await disposing.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task DisposeAsync_AfterAConnectionWasDiscarded_StillWaitsForTheOneInUse()
    {
        // Regression guard: the pool dropping to zero connections before disposal must not count as drained.
        var pool = Pool();
        (await pool.AcquireAsync(default)).Return(reusable: false);
        await Eventually.TrueAsync(() => pool.Statistics.Discarded == 1, "the first connection discarded");
        var busy = await pool.AcquireAsync(default);

        var disposing = pool.DisposeAsync().AsTask();
        await Task.Delay(50);

        Assert.False(disposing.IsCompleted);
        busy.Return(reusable: true);
        await disposing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(((FakeConnection)busy.Connection).Closed);
    }

    [Fact]
    public async Task DisposeAsync_StopsTheReaperTimer()
    {
        var time = new TimerTrackingTimeProvider(_time);
        var pool = new ConnectionPool<FakeConnection>(_ => Task.FromResult(Create()), new SmtpPoolOptions(), time);
        var reaper = Assert.Single(time.Timers);
        Assert.False(reaper.Disposed);

        await pool.DisposeAsync();

        Assert.True(reaper.Disposed);
    }

    [Fact]
    public async Task Reaper_ShortIdleTimeout_RunsAtMostEvery100Milliseconds()
    {
        // The reaper runs every half of the shorter of IdleTimeout and MaxLifetime, but never more often than every 100 ms.
        await using var pool = Pool(new SmtpPoolOptions { IdleTimeout = TimeSpan.FromMilliseconds(120), CheckAfterIdle = TimeSpan.FromHours(1) });
        (await pool.AcquireAsync(default)).Return(reusable: true);

        // Small steps, so each run of the reaper sees the time it was due at: at 100 ms the connection is not expired yet.
        for (var elapsed = 10; elapsed < 200; elapsed += 10)
        {
            _time.Advance(TimeSpan.FromMilliseconds(10));
            Assert.False(_created[0].Closed, $"closed after {elapsed} ms: the reaper ran more often than every 100 ms");
        }

        _time.Advance(TimeSpan.FromMilliseconds(10));
        await Eventually.TrueAsync(() => _created[0].Closed, "the reaper's second run, at 200 ms, closing the idle connection");
    }

    [Fact]
    public async Task Reaper_SeveralIdleConnectionsExpired_ClosesThemAll()
    {
        await using var pool = Pool(new SmtpPoolOptions { IdleTimeout = TimeSpan.FromSeconds(10), CheckAfterIdle = TimeSpan.FromHours(1) });
        var leases = new[] { await pool.AcquireAsync(default), await pool.AcquireAsync(default), await pool.AcquireAsync(default) };
        foreach (var lease in leases)
        {
            lease.Return(reusable: true);
        }

        _time.Advance(TimeSpan.FromSeconds(15));

        await Eventually.TrueAsync(() => _created.All(c => c.Closed), "the reaper closing every idle connection");
        Assert.Equal(new PoolStatistics(InUse: 0, Idle: 0, Waiting: 0, Opened: 3, Discarded: 3), pool.Statistics);
    }

    [Fact]
    public async Task AcquireAsync_SeveralIdleConnectionsDropped_ClosesThemAllAndFreesTheirSlots()
    {
        await using var pool = Pool(new SmtpPoolOptions { MaxConnections = 2, CheckAfterIdle = TimeSpan.FromHours(1) });
        var first = await pool.AcquireAsync(default);
        var second = await pool.AcquireAsync(default);
        first.Return(reusable: true);
        second.Return(reusable: true);
        _created[0].Connected = false;
        _created[1].Connected = false;

        var next = await pool.AcquireAsync(default);

        Assert.True(next.IsNew);
        await Eventually.TrueAsync(() => _created[0].Closed && _created[1].Closed, "both dropped connections closed");
        var another = await pool.AcquireAsync(default).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(another.IsNew);
        next.Return(reusable: true);
        another.Return(reusable: true);
    }

    [Fact]
    public async Task AcquireAsync_IdleForExactlyCheckAfterIdle_IsChecked()
    {
        await using var pool = Pool(new SmtpPoolOptions { CheckAfterIdle = TimeSpan.FromSeconds(2) });
        (await pool.AcquireAsync(default)).Return(reusable: true);
        _time.Advance(TimeSpan.FromSeconds(2));

        var lease = await pool.AcquireAsync(default);

        Assert.Equal(1, _created[0].Checks);
        Assert.False(lease.IsNew);
        lease.Return(reusable: true);
    }

    [Fact]
    public async Task AcquireAsync_IdleForExactlyIdleTimeout_OpensANewConnection()
    {
        await using var pool = Pool(new SmtpPoolOptions { IdleTimeout = TimeSpan.FromSeconds(10), CheckAfterIdle = TimeSpan.FromHours(1) });
        (await pool.AcquireAsync(default)).Return(reusable: true);
        _time.Advance(TimeSpan.FromSeconds(10));

        var lease = await pool.AcquireAsync(default);

        Assert.True(lease.IsNew);
        await Eventually.TrueAsync(() => _created[0].Closed, "the expired connection closed");
        lease.Return(reusable: true);
    }

    [Fact]
    public async Task AcquireAsync_OpenForExactlyMaxLifetime_OpensANewConnection()
    {
        await using var pool = Pool(new SmtpPoolOptions { MaxLifetime = TimeSpan.FromMinutes(1), IdleTimeout = TimeSpan.FromMinutes(10), CheckAfterIdle = TimeSpan.FromHours(1) });
        (await pool.AcquireAsync(default)).Return(reusable: true);
        _time.Advance(TimeSpan.FromMinutes(1));

        var lease = await pool.AcquireAsync(default);

        Assert.True(lease.IsNew);
        lease.Return(reusable: true);
    }

    [Fact]
    public async Task Return_AtExactlyMaxLifetime_ClosesTheConnection()
    {
        await using var pool = Pool(new SmtpPoolOptions { MaxLifetime = TimeSpan.FromMinutes(1), IdleTimeout = TimeSpan.FromMinutes(10), CheckAfterIdle = TimeSpan.FromHours(1) });
        var lease = await pool.AcquireAsync(default);
        _time.Advance(TimeSpan.FromMinutes(1));

        lease.Return(reusable: true);

        await Eventually.TrueAsync(() => _created[0].Closed, "the connection at its maximum lifetime closed");
        Assert.Equal(0, pool.Statistics.Idle);
    }

    [Fact]
    public async Task Return_NotReusableWithAWaiter_HandsTheSlotOverWithoutExceedingTheLimit()
    {
        await using var pool = Pool(new SmtpPoolOptions { MaxConnections = 1 });
        var holder = await pool.AcquireAsync(default);
        var waiting = pool.AcquireAsync(default);
        await Eventually.TrueAsync(() => pool.Statistics.Waiting == 1, "one caller queued for the connection");

        holder.Return(reusable: false);
        var lease = await waiting.WaitAsync(TimeSpan.FromSeconds(5));

        // The slot went to the waiter: a further caller must queue, not open a second connection.
        Assert.True(lease.IsNew);
        var third = pool.AcquireAsync(default);
        await Eventually.TrueAsync(() => pool.Statistics.Waiting == 1, "the third caller queued");
        Assert.Equal(2, _created.Count);
        lease.Return(reusable: true);
        (await third.WaitAsync(TimeSpan.FromSeconds(5))).Return(reusable: true);
        Assert.Equal(1, _maxOpen);
    }

    private ConnectionPool<FakeConnection> Pool(SmtpPoolOptions? settings = null) =>
        new(_ => Task.FromResult(Create()), settings ?? new SmtpPoolOptions(), _time);


    private FakeConnection Create()
    {
        var connection = new FakeConnection(this);
        lock (_created)
        {
            _created.Add(connection);
            _open++;
            _maxOpen = Math.Max(_maxOpen, _open);
        }

        return connection;
    }

    /// <summary>A clock that delegates to a <see cref="FakeTimeProvider"/> and records the timers it creates.</summary>
    private sealed class TimerTrackingTimeProvider(FakeTimeProvider inner) : TimeProvider
    {
        public List<TrackedTimer> Timers { get; } = [];

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new TrackedTimer(inner.CreateTimer(callback, state, dueTime, period));
            Timers.Add(timer);
            return timer;
        }
    }

    private sealed class TrackedTimer(ITimer inner) : ITimer
    {
        public bool Disposed { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(dueTime, period);

        public void Dispose()
        {
            Disposed = true;
            inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return inner.DisposeAsync();
        }
    }

    private sealed class FakeConnection(ConnectionPoolTests owner) : IPoolableConnection
    {
        public bool Connected { get; set; } = true;

        public bool Alive { get; set; } = true;

        public bool Closed { get; private set; }

        public int Checks { get; private set; }

        /// <summary>Gets or sets what the idle check does instead of answering: throw this exception.</summary>
        public Exception? CheckThrows { get; set; }

        public bool IsConnected => Connected && !Closed;

        public Task<bool> IsAliveAsync(CancellationToken cancellationToken)
        {
            Checks++;
            return CheckThrows is { } error ? Task.FromException<bool>(error) : Task.FromResult(Alive);
        }

        public Task CloseAsync(CancellationToken cancellationToken)
        {
            lock (owner._created)
            {
                if (!Closed)
                {
                    owner._open--;
                }
            }

            Closed = true;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
