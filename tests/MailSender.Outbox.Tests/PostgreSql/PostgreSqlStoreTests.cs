using System.Collections.Concurrent;
using System.Diagnostics;
using MailSender.Outbox.PostgreSql;
using MailSender.Outbox.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;
using Xunit.Abstractions;

namespace MailSender.Outbox.Tests.PostgreSql;

/// <summary>
/// What only the PostgreSQL store does, against a real server: several stores (processes) on one database claiming,
/// listening and sharing a rate limit; the application's own transactions; the schema's creation and version.
/// </summary>
public sealed class PostgreSqlStoreTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);
    private readonly Stack<IAsyncDisposable> _cleanup = new();
    private PostgresSchema? _schema;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // Stores and listeners first, their schemas last.
        while (_cleanup.TryPop(out var item))
        {
            await item.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task Claim_FourClaimersOnTwoStores_TakeEveryMessageExactlyOnce()
    {
        const int Count = 500;
        var first = await StoreAsync();
        var second = await StoreAsync();
        var enqueued = new ConcurrentBag<Guid>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(producer => Task.Run(async () =>
        {
            for (var i = producer; i < Count; i += 8)
            {
                enqueued.Add((await (i % 2 == 0 ? first : second).EnqueueAsync(StoreConformanceTests.Message(T0.AddMilliseconds(i)), null, default)).Id);
            }
        })));

        var claimed = new ConcurrentBag<Guid>();
        var perClaimer = new int[4];
        await Task.WhenAll(Enumerable.Range(0, 4).Select(claimer => Task.Run(async () =>
        {
            var store = claimer % 2 == 0 ? first : second;
            while (true)
            {
                var batch = await store.ClaimAsync(7, T0.AddMinutes(1), Lease, atLeastOnce: false, default);
                if (batch.Count == 0)
                {
                    // Nothing due that another claimer does not hold: the ones it holds are claimed by it.
                    return;
                }

                foreach (var message in batch)
                {
                    claimed.Add(message.Id);
                }

                perClaimer[claimer] += batch.Count;
            }
        })));

        output.WriteLine("claimed per claimer: " + string.Join(", ", perClaimer));
        Assert.Equal(Count, claimed.Count);
        Assert.Equal(enqueued.Order(), claimed.Order());
        Assert.Equal(Count, await second.CountSendingAsync(default));
    }

    [SkippableFact]
    public async Task Enqueue_SameIdempotencyKeyFromEightProducersAtOnce_StoresOneMessage()
    {
        var first = await StoreAsync();
        var second = await StoreAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            (i % 2 == 0 ? first : second).EnqueueAsync(StoreConformanceTests.Message(T0, key: "order-7"), null, default))));

        Assert.Single(results, r => r.Created);
        Assert.Single(results.Select(r => r.Id).Distinct());
        Assert.Single(await first.ListAsync(null, 10, default));
    }

    [SkippableFact]
    public async Task Listen_AnEnqueueOnAnotherStore_WakesTheListenerWithinOneSecond()
    {
        var listening = await StoreAsync();
        var enqueuing = await StoreAsync();
        using var woken = new SemaphoreSlim(0);
        var listener = await listening.ListenAsync(() => woken.Release(), default);
        Assert.NotNull(listener);
        _cleanup.Push(listener);

        for (var i = 0; i < 3; i++)
        {
            var elapsed = Stopwatch.StartNew();
            await enqueuing.EnqueueAsync(StoreConformanceTests.Message(T0), null, default);

            Assert.True(await woken.WaitAsync(TimeSpan.FromSeconds(1)), $"Enqueue {i + 1} did not wake the listener within 1 s.");
            output.WriteLine($"woken {elapsed.Elapsed.TotalMilliseconds:F1} ms after the enqueue began");
        }
    }

    [SkippableFact]
    public async Task Listen_IgnoresTheEnqueuesOfAnOutboxInAnotherSchema()
    {
        var listening = await StoreAsync();
        await using var otherSchema = await PostgresServer.Require().CreateSchemaAsync();
        await using var other = new PostgreSqlOutboxStore(otherSchema.ConnectionString, new OutboxOptions());
        await other.InitializeAsync(default);
        using var woken = new SemaphoreSlim(0);
        var listener = await listening.ListenAsync(() => woken.Release(), default);
        _cleanup.Push(listener!);

        await other.EnqueueAsync(StoreConformanceTests.Message(T0), null, default);

        // Notifications are per database; the payload names the schema, and the listener wakes for its own only.
        Assert.False(await woken.WaitAsync(TimeSpan.FromMilliseconds(300)), "Woken by another schema's outbox.");
        await listening.EnqueueAsync(StoreConformanceTests.Message(T0), null, default);
        Assert.True(await woken.WaitAsync(TimeSpan.FromSeconds(1)), "Not woken by its own outbox.");
    }

    [SkippableFact]
    public async Task Listen_InTheApplicationsTransaction_WakesOnlyWhenItCommits()
    {
        var store = await StoreAsync();
        using var woken = new SemaphoreSlim(0);
        var listener = await (await StoreAsync()).ListenAsync(() => woken.Release(), default);
        _cleanup.Push(listener!);
        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        await store.EnqueueAsync(StoreConformanceTests.Message(T0), transaction, default);

        Assert.False(await woken.WaitAsync(TimeSpan.FromMilliseconds(300)), "Woken before the transaction committed.");
        await transaction.CommitAsync();
        Assert.True(await woken.WaitAsync(TimeSpan.FromSeconds(1)), "Not woken within 1 s of the commit.");
    }

    [SkippableFact]
    public async Task Listen_AfterItsConnectionIsKilled_ReconnectsAndWakesAgain()
    {
        var name = "outbox-listen-" + Guid.NewGuid().ToString("N")[..8];
        var schema = await SchemaAsync();
        var listening = await StoreAsync(new NpgsqlConnectionStringBuilder(schema.ConnectionString) { ApplicationName = name }.ConnectionString);
        var enqueuing = await StoreAsync();
        using var woken = new SemaphoreSlim(0);
        var listener = await listening.ListenAsync(() => woken.Release(), default);
        _cleanup.Push(listener!);

        await using (var connection = await OpenAsync())
        await using (var kill = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = @name AND query LIKE 'LISTEN%'", connection))
        {
            kill.Parameters.AddWithValue("name", name);
            Assert.Equal(1L, await kill.ExecuteScalarAsync());
        }

        // The reconnection itself wakes the worker (it may have missed notifications); then new ones arrive again.
        Assert.True(await woken.WaitAsync(TimeSpan.FromSeconds(5)), "The listener did not reconnect within 5 s.");
        while (await woken.WaitAsync(TimeSpan.Zero))
        {
        }

        await enqueuing.EnqueueAsync(StoreConformanceTests.Message(T0), null, default);
        Assert.True(await woken.WaitAsync(TimeSpan.FromSeconds(1)), "Not woken after the reconnection.");
    }

    [SkippableFact]
    public async Task Enqueue_InTheApplicationsTransaction_ExistsOnlyIfItCommits()
    {
        var store = await StoreAsync();
        await using var connection = await OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE orders (id integer PRIMARY KEY)");

        Guid rolledBack;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await ExecuteAsync(connection, "INSERT INTO orders VALUES (1)");
            rolledBack = (await store.EnqueueAsync(StoreConformanceTests.Message(T0), transaction, default)).Id;
            await transaction.RollbackAsync();
        }

        Guid committed;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await ExecuteAsync(connection, "INSERT INTO orders VALUES (2)");
            committed = (await store.EnqueueAsync(StoreConformanceTests.Message(T0, "a@example.com", "b@example.com"), transaction, default)).Id;
            Assert.Null(await store.GetAsync(committed, default));
            await transaction.CommitAsync();
        }

        Assert.Null(await store.GetAsync(rolledBack, default));
        var stored = await store.GetAsync(committed, default);
        Assert.NotNull(stored);
        Assert.Equal(["a@example.com", "b@example.com"], stored.Recipients.Select(r => r.Address));
        Assert.Equal(1, (await store.GetStatisticsAsync(T0, default)).Counts[OutboxState.Queued]);
        await using var orders = new NpgsqlCommand("SELECT string_agg(id::text, ',') FROM orders", connection);
        Assert.Equal("2", await orders.ExecuteScalarAsync());
    }

    [SkippableFact]
    public async Task Enqueue_InATransactionOnAnotherDatabase_IsAConfigurationError()
    {
        var server = PostgresServer.Require();
        var database = new NpgsqlConnectionStringBuilder(server.ConnectionString).Database;
        var scratch = new NpgsqlConnectionStringBuilder(server.ScratchConnectionString).Database;
        Skip.If(database == scratch, "The main and scratch databases are the same.");
        var store = await StoreAsync();
        await using var other = new NpgsqlConnection(server.ConnectionString);
        await other.OpenAsync();
        await using var transaction = await other.BeginTransactionAsync();

        var error = await Assert.ThrowsAsync<EmailSendException>(() => store.EnqueueAsync(StoreConformanceTests.Message(T0), transaction, default));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains($"on database '{database}', not on the outbox's database '{scratch}'", error.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ListAsync(null, 10, default));
    }

    [SkippableFact]
    public async Task Enqueue_InAnotherKindOfTransaction_OrAFinishedOne_IsAConfigurationError()
    {
        var store = await StoreAsync();
        using var sqlite = new SqliteConnection("Data Source=:memory:");
        sqlite.Open();
        using var sqliteTransaction = sqlite.BeginTransaction();
        await using var connection = await OpenAsync();
        var finished = await connection.BeginTransactionAsync();
        await finished.CommitAsync();

        var foreign = await Assert.ThrowsAsync<EmailSendException>(() => store.EnqueueAsync(StoreConformanceTests.Message(T0), sqliteTransaction, default));
        var done = await Assert.ThrowsAsync<EmailSendException>(() => store.EnqueueAsync(StoreConformanceTests.Message(T0), finished, default));

        Assert.Equal(EmailErrorKind.Configuration, foreign.Kind);
        Assert.Contains("not in a SqliteTransaction", foreign.Message, StringComparison.Ordinal);
        Assert.Equal(EmailErrorKind.Configuration, done.Kind);
        Assert.Contains("cannot be used: Transaction is already completed", done.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ListAsync(null, 10, default));
    }

    [SkippableFact]
    public async Task Store_FromAPostgresUri_WorksInTheSchemaItsOptionsName()
    {
        var schema = await SchemaAsync();
        var builder = new NpgsqlConnectionStringBuilder(schema.ConnectionString);
        var uri = $"postgres://{Uri.EscapeDataString(builder.Username!)}:{Uri.EscapeDataString(builder.Password!)}@{builder.Host}:{builder.Port}/{Uri.EscapeDataString(builder.Database!)}"
            + $"?sslmode=disable&application_name=outbox-uri-test&options={Uri.EscapeDataString("-c search_path=" + schema.Name)}";
        var store = StoreLocation.Open(uri, [new PostgreSqlStoreProvider()], new OutboxOptions(), TimeProvider.System);
        _cleanup.Push(store);

        await store.InitializeAsync(default);
        var (id, _) = await store.EnqueueAsync(StoreConformanceTests.Message(T0), null, default);

        Assert.Equal("postgres", store.Kind);
        Assert.StartsWith($"postgres://{builder.Username}:***@{builder.Host}:{builder.Port}/", store.Description, StringComparison.Ordinal);
        Assert.NotNull(await store.GetAsync(id, default));
        await using var connection = await OpenAsync();
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {schema.Name}.mailsender_outbox_messages", connection);
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [SkippableFact]
    public async Task TakePermits_FourTakersOnTwoStores_NeverExceedTheLimitInAWindow()
    {
        const int Limit = 25;
        var window = TimeSpan.FromMilliseconds(200);
        var first = await StoreAsync();
        var second = await StoreAsync();
        var granted = 0;
        var run = Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(taker => Task.Run(async () =>
        {
            var store = taker % 2 == 0 ? first : second;
            while (run.Elapsed < TimeSpan.FromSeconds(1.5))
            {
                Interlocked.Add(ref granted, await store.TakePermitsAsync("shared", 3, Limit, window, default));
            }
        })));

        // Every window's count is what was granted in it (no window is pruned within 16 windows): none over the limit.
        await using var connection = await OpenAsync();
        var counts = new List<int>();
        await using (var command = new NpgsqlCommand("SELECT count FROM mailsender_outbox_rate WHERE key = 'shared' ORDER BY window_start", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                counts.Add(reader.GetInt32(0));
            }
        }

        output.WriteLine($"granted {granted} in windows: {string.Join(", ", counts)}");
        Assert.All(counts, count => Assert.InRange(count, 0, Limit));
        Assert.Equal(granted, counts.Sum());
        Assert.True(counts.Count(c => c == Limit) >= 3, "At least three full windows in 1.5 s of 200 ms windows.");
    }

    [SkippableFact]
    public async Task Initialize_FourInstancesAtOnce_CreateTheSchemaOnce()
    {
        for (var round = 0; round < 3; round++)
        {
            var schema = await PostgresServer.Require().CreateSchemaAsync();
            _cleanup.Push(schema);
            var stores = Enumerable.Range(0, 4).Select(_ => new PostgreSqlOutboxStore(schema.ConnectionString, new OutboxOptions())).ToList();
            foreach (var store in stores)
            {
                _cleanup.Push(store);
            }

            await Task.WhenAll(stores.Select(store => Task.Run(() => store.InitializeAsync(default))));

            var (id, _) = await stores[0].EnqueueAsync(StoreConformanceTests.Message(T0), null, default);
            Assert.NotNull(await stores[3].GetAsync(id, default));
            await using var connection = await OpenAsync();
            await using var versions = new NpgsqlCommand($"SELECT string_agg(version::text, ',') FROM {schema.Name}.mailsender_outbox_schema", connection);
            Assert.Equal("2", await versions.ExecuteScalarAsync());
        }
    }

    [SkippableFact]
    public async Task Initialize_UpgradesAVersion1Database_KeepingItsMessages()
    {
        var first = await StoreAsync();
        var (id, _) = await first.EnqueueAsync(StoreConformanceTests.Message(T0), null, default);
        await using (var connection = await OpenAsync())
        {
            // What version 1 had: no suppression table, no index on message_id.
            await ExecuteAsync(connection, "DROP TABLE mailsender_suppressions; DROP INDEX mailsender_outbox_message_id; UPDATE mailsender_outbox_schema SET version = 1");
        }

        await using var upgraded = new PostgreSqlOutboxStore(_schema!.ConnectionString, new OutboxOptions());
        await upgraded.InitializeAsync(default);
        await upgraded.AddSuppressionAsync(new EmailSuppression("a@example.com", SuppressionReason.Manual), default);

        Assert.NotNull(await upgraded.GetAsync(id, default));
        Assert.NotNull(await upgraded.FindSuppressionAsync("a@example.com", null, default));
        await using var check = await OpenAsync();
        await using var version = new NpgsqlCommand("SELECT max(version) FROM mailsender_outbox_schema", check);
        Assert.Equal(2, await version.ExecuteScalarAsync());
    }

    [SkippableFact]
    public async Task Initialize_UpgradesADatabaseWrittenByVersion1_ItsMessagesStillWork()
    {
        await using (var connection = await OpenAsync())
        {
            await ExecuteAsync(connection, PostgreSqlSchemaVersion1.Create + PostgreSqlSchemaVersion1.Rows);
        }

        var store = await StoreAsync();

        var sent = await store.GetAsync(Guid.Parse("0193a0f0-0000-7000-8000-000000000001"), default);
        Assert.NotNull(sent);
        Assert.Equal((OutboxState.Sent, "Sent in version 1"), (sent.State, sent.Subject));
        Assert.Equal(["ann@example.com", "bob@example.com"], sent.Recipients.Select(r => r.Address));
        Assert.Equal(1, (await store.GetStatisticsAsync(T0, default)).Counts[OutboxState.Queued]);

        // What version 2 added works on the old rows: a bounce, and the suppression table.
        Assert.Equal(1, await store.MarkBouncedAsync(PostgreSqlSchemaVersion1.MessageId, "ANN@example.com", "5.1.1", "gone", T0, default));
        Assert.Equal(1, await store.MarkBouncedAsync(PostgreSqlSchemaVersion1.MessageId, "bob@example.com", "5.1.1", "gone", T0, default));
        Assert.Equal(OutboxState.Bounced, (await store.GetAsync(sent.Id, default))!.State);
        await store.AddSuppressionAsync(new EmailSuppression("ann@example.com", SuppressionReason.HardBounce), default);
        Assert.NotNull(await store.FindSuppressionAsync("Ann@example.com", "news", default));

        // And the queued message is still delivered.
        var held = Assert.Single(await store.ClaimAsync(10, T0, TimeSpan.FromMinutes(1), atLeastOnce: false, default));
        Assert.Equal([(0, "cat@example.com")], held.Pending);

        await using var check = await OpenAsync();
        await using var version = new NpgsqlCommand("SELECT max(version) FROM mailsender_outbox_schema", check);
        Assert.Equal(2, await version.ExecuteScalarAsync());
    }

    [SkippableFact]
    public async Task Initialize_RefusesANewerSchema()
    {
        await StoreAsync();
        await using (var connection = await OpenAsync())
        {
            await ExecuteAsync(connection, "UPDATE mailsender_outbox_schema SET version = 99");
        }

        await using var newer = new PostgreSqlOutboxStore(_schema!.ConnectionString, new OutboxOptions());
        var error = await Assert.ThrowsAsync<EmailSendException>(() => newer.InitializeAsync(default));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("schema version 99, newer than this MailSender knows (2)", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Operations_WithoutTheTables_FailAsStorageErrors_WithAHint()
    {
        var schema = await SchemaAsync();
        await using var store = new PostgreSqlOutboxStore(schema.ConnectionString, new OutboxOptions());

        var error = await Assert.ThrowsAsync<EmailSendException>(() => store.EnqueueAsync(StoreConformanceTests.Message(T0), null, default));

        Assert.Equal(EmailErrorKind.StorageFailed, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("42P01", error.Message, StringComparison.Ordinal);
        Assert.Contains("creates them at start-up", error.Hint, StringComparison.Ordinal);
    }

    private async Task<PostgresSchema> SchemaAsync()
    {
        if (_schema is null)
        {
            _schema = await PostgresServer.Require().CreateSchemaAsync();
            _cleanup.Push(_schema);
        }

        return _schema;
    }

    private async Task<PostgreSqlOutboxStore> StoreAsync(string? connectionString = null)
    {
        var schema = await SchemaAsync();
        var store = new PostgreSqlOutboxStore(connectionString ?? schema.ConnectionString, new OutboxOptions());
        _cleanup.Push(store);
        await store.InitializeAsync(default);
        return store;
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection((await SchemaAsync()).ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
