using System.Diagnostics;
using MailSender.Outbox.Sqlite;
using MailSender.Outbox.Storage;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace MailSender.Outbox.Tests.Sqlite;

/// <summary>What only the SQLite store does: durability settings, foreign files, the application's own transactions, a full disk.</summary>
public sealed class SqliteStoreTests(ITestOutputHelper output) : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Initialize_SetsWal_AndRecordsTheSchemaVersion()
    {
        var path = _folder.File("outbox.db");
        await using (var store = new SqliteOutboxStore(path, new OutboxOptions()))
        {
            await store.InitializeAsync(default);
        }

        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
        Assert.Equal(2L, Scalar(connection, "SELECT version FROM mailsender_outbox_schema"));
        output.WriteLine("SQLite " + Scalar(connection, "SELECT sqlite_version()"));
    }

    [Fact]
    public async Task Initialize_RefusesAnotherApplicationsDatabase_UnlessShared()
    {
        var path = _folder.File("app.db");
        using (var connection = new SqliteConnection($"Data Source={path}"))
        {
            connection.Open();
            Execute(connection, "CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)");
        }

        await using var refusing = new SqliteOutboxStore(path, new OutboxOptions());
        var error = await Assert.ThrowsAsync<EmailSendException>(() => refusing.InitializeAsync(default));
        await using var sharing = new SqliteOutboxStore(path, new OutboxOptions { ShareDatabase = true });
        await sharing.InitializeAsync(default);

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("database of something else (tables: orders)", error.Message, StringComparison.Ordinal);
        Assert.Contains("ShareDatabase", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Initialize_UpgradesAVersion1Database_KeepingItsMessages()
    {
        var path = _folder.File("outbox.db");
        Guid id;
        await using (var store = new SqliteOutboxStore(path, new OutboxOptions()))
        {
            await store.InitializeAsync(default);
            (id, _) = await store.EnqueueAsync(StoreConformanceTests.Message(DateTimeOffset.UnixEpoch.AddYears(56)), null, default);
        }

        using (var connection = new SqliteConnection($"Data Source={path};Pooling=false"))
        {
            // What version 1 had: no suppression table, no index on message_id.
            connection.Open();
            Execute(connection, "DROP TABLE mailsender_suppressions; DROP INDEX mailsender_outbox_message_id; UPDATE mailsender_outbox_schema SET version = 1");
        }

        await using var upgraded = new SqliteOutboxStore(path, new OutboxOptions());
        await upgraded.InitializeAsync(default);
        await upgraded.AddSuppressionAsync(new EmailSuppression("a@example.com", SuppressionReason.Manual), default);

        Assert.NotNull(await upgraded.GetAsync(id, default));
        Assert.NotNull(await upgraded.FindSuppressionAsync("a@example.com", null, default));
        using var check = new SqliteConnection($"Data Source={path};Pooling=false");
        check.Open();
        Assert.Equal(2L, Scalar(check, "SELECT version FROM mailsender_outbox_schema"));
    }

    [Fact]
    public async Task Initialize_UpgradesADatabaseWrittenByVersion1_ItsMessagesStillWork()
    {
        var path = _folder.File("v1.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=false"))
        {
            connection.Open();
            Execute(connection, SqliteSchemaVersion1.Create + SqliteSchemaVersion1.Rows);
        }

        await using var store = new SqliteOutboxStore(path, new OutboxOptions());
        await store.InitializeAsync(default);

        var sent = await store.GetAsync(Guid.Parse("0193a0f0-0000-7000-8000-000000000001"), default);
        Assert.NotNull(sent);
        Assert.Equal((OutboxState.Sent, "Sent in version 1"), (sent.State, sent.Subject));
        Assert.Equal(["ann@example.com", "bob@example.com"], sent.Recipients.Select(r => r.Address));
        Assert.Equal(1, (await store.GetStatisticsAsync(T0, default)).Counts[OutboxState.Queued]);

        // What version 2 added works on the old rows: a bounce, and the suppression table.
        Assert.Equal(1, await store.MarkBouncedAsync(SqliteSchemaVersion1.MessageId, "ANN@example.com", "5.1.1", "gone", T0, default));
        Assert.Equal(1, await store.MarkBouncedAsync(SqliteSchemaVersion1.MessageId, "bob@example.com", "5.1.1", "gone", T0, default));
        Assert.Equal(OutboxState.Bounced, (await store.GetAsync(sent.Id, default))!.State);
        await store.AddSuppressionAsync(new EmailSuppression("ann@example.com", SuppressionReason.HardBounce), default);
        Assert.NotNull(await store.FindSuppressionAsync("Ann@example.com", "news", default));

        // And the queued message is still delivered.
        var held = Assert.Single(await store.ClaimAsync(10, T0, TimeSpan.FromMinutes(1), atLeastOnce: false, default));
        Assert.Equal([(0, "cat@example.com")], held.Pending);

        using var check = new SqliteConnection($"Data Source={path};Pooling=false");
        check.Open();
        Assert.Equal(2L, Scalar(check, "SELECT version FROM mailsender_outbox_schema"));
        Assert.Equal(1L, Scalar(check, "SELECT count(*) FROM mailsender_outbox_schema"));
    }

    [Fact]
    public async Task Initialize_RefusesANewerSchema()
    {
        var path = _folder.File("outbox.db");
        await using (var store = new SqliteOutboxStore(path, new OutboxOptions()))
        {
            await store.InitializeAsync(default);
        }

        using (var connection = new SqliteConnection($"Data Source={path};Pooling=false"))
        {
            connection.Open();
            Execute(connection, "UPDATE mailsender_outbox_schema SET version = 99");
        }

        await using var newer = new SqliteOutboxStore(path, new OutboxOptions());
        var error = await Assert.ThrowsAsync<EmailSendException>(() => newer.InitializeAsync(default));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("schema version 99, newer than this MailSender knows (2)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Initialize_RefusesAFolderThatDoesNotExist()
    {
        await using var store = new SqliteOutboxStore(_folder.File("missing/outbox.db"), new OutboxOptions());

        var error = await Assert.ThrowsAsync<EmailSendException>(() => store.InitializeAsync(default));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("folder that does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Initialize_RefusesACorruptDatabase()
    {
        var path = _folder.File("outbox.db");
        await using (var store = new SqliteOutboxStore(path, new OutboxOptions()))
        {
            await store.InitializeAsync(default);
            await store.EnqueueAsync(StoreConformanceTests.Message(T0), null, default);
        }

        SqliteConnection.ClearAllPools();
        File.Delete(path + "-wal");
        File.Delete(path + "-shm");
        var bytes = await File.ReadAllBytesAsync(path);
        Array.Fill(bytes, (byte)0x5A, 0, 100); // the header: "SQLite format 3" and the page size
        await File.WriteAllBytesAsync(path, bytes);

        await using var corrupt = new SqliteOutboxStore(path, new OutboxOptions());
        var error = await Assert.ThrowsAsync<EmailSendException>(() => corrupt.InitializeAsync(default));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("is not an SQLite database, or it is corrupt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enqueue_InTheApplicationsTransaction_ExistsOnlyIfItCommits()
    {
        var path = _folder.File("app.db");
        await using var store = new SqliteOutboxStore(path, new OutboxOptions { ShareDatabase = true });
        await store.InitializeAsync(default);
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        Execute(connection, "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY)");

        Guid rolledBack;
        using (var transaction = connection.BeginTransaction())
        {
            Execute(connection, "INSERT INTO orders (id) VALUES (1)", transaction);
            (rolledBack, _) = await store.EnqueueAsync(StoreConformanceTests.Message(T0), transaction, default);
            transaction.Rollback();
        }

        Guid committed;
        using (var transaction = connection.BeginTransaction())
        {
            Execute(connection, "INSERT INTO orders (id) VALUES (2)", transaction);
            (committed, _) = await store.EnqueueAsync(StoreConformanceTests.Message(T0), transaction, default);
            transaction.Commit();
        }

        Assert.Null(await store.GetAsync(rolledBack, default));
        Assert.NotNull(await store.GetAsync(committed, default));
        Assert.Equal(2L, Scalar(connection, "SELECT id FROM orders"));
    }

    [Fact]
    public async Task Enqueue_InATransactionOnAnotherFile_IsRefused()
    {
        await using var store = new SqliteOutboxStore(_folder.File("outbox.db"), new OutboxOptions());
        await store.InitializeAsync(default);
        using var other = new SqliteConnection($"Data Source={_folder.File("other.db")}");
        other.Open();
        using var transaction = other.BeginTransaction();

        var error = await Assert.ThrowsAsync<EmailSendException>(() => store.EnqueueAsync(StoreConformanceTests.Message(T0), transaction, default));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("not on the outbox's file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enqueue_ManyAtOnce_ShareCommits_AndAllArePresentInANewStore()
    {
        var path = _folder.File("outbox.db");
        var ids = new List<Guid>();
        var store = new SqliteOutboxStore(path, new OutboxOptions());
        await store.InitializeAsync(default);
        var enqueues = Enumerable.Range(0, 500).Select(i => store.EnqueueAsync(StoreConformanceTests.Message(T0.AddMilliseconds(i)), null, default)).ToArray();
        ids.AddRange((await Task.WhenAll(enqueues)).Select(r => r.Id));

        // No orderly close: a second store (another process after a crash) reads the same file.
        await using var reopened = new SqliteOutboxStore(path, new OutboxOptions());
        await reopened.InitializeAsync(default);

        Assert.Equal(500, (await reopened.GetStatisticsAsync(T0, default)).Counts[OutboxState.Queued]);
        await store.DisposeAsync();
    }

    [SkippableFact]
    public async Task Enqueue_OnAFullDisk_FailsClearly_AndTheStoreStillOpensAfterwards()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", "Mounting a small tmpfs needs root (CI runs as root).");
        var mount = _folder.File("tiny");
        Directory.CreateDirectory(mount);
        Run("mount", $"-t tmpfs -o size=256k tmpfs {mount}");
        try
        {
            var path = Path.Combine(mount, "outbox.db");
            Guid first;
            EmailSendException? full = null;
            await using (var store = new SqliteOutboxStore(path, new OutboxOptions()))
            {
                await store.InitializeAsync(default);
                (first, _) = await store.EnqueueAsync(StoreConformanceTests.Message(T0), null, default);
                for (var i = 0; i < 1000 && full is null; i++)
                {
                    try
                    {
                        await store.EnqueueAsync(Big(T0.AddSeconds(i)), null, default);
                    }
                    catch (EmailSendException ex)
                    {
                        full = ex;
                    }
                }
            }

            Assert.NotNull(full);
            Assert.Equal(EmailErrorKind.StorageFailed, full.Kind);
            Assert.True(full.IsTransient);
            Assert.Contains("disk is full", full.Hint, StringComparison.Ordinal);

            SqliteConnection.ClearAllPools();
            await using var reopened = new SqliteOutboxStore(path, new OutboxOptions());
            await reopened.InitializeAsync(default);
            Assert.NotNull(await reopened.GetAsync(first, default));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Run("umount", mount);
        }
    }

    private static NewMessage Big(DateTimeOffset at)
    {
        var message = StoreConformanceTests.Message(at);
        var body = new byte[16 * 1024];
        Random.Shared.NextBytes(body);
        return new NewMessage
        {
            Id = message.Id,
            SenderName = message.SenderName,
            From = message.From,
            Recipients = message.Recipients,
            Body = body,
            CreatedAt = message.CreatedAt,
            NextAttemptAt = message.NextAttemptAt,
        };
    }

    private static void Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true })!;
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {arguments}: {process.StandardError.ReadToEnd()}");
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }
}
