using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Net.Sockets;
using System.Threading.Channels;
using MailSender.Outbox.Storage;
using Npgsql;
using NpgsqlTypes;

namespace MailSender.Outbox.PostgreSql;

/// <summary>
/// The outbox in PostgreSQL (<c>postgres:CONNECTION-STRING</c> or <c>postgres://...</c>): any number of processes on any
/// number of machines share it; each message is claimed by one of them (<c>FOR UPDATE SKIP LOCKED</c>).
/// </summary>
/// <remarks>
/// <para>Durability is PostgreSQL's: a statement returns once its commit is flushed (<c>synchronous_commit = on</c>, the
/// default), and the server folds the WAL flushes of concurrent commits into one, so the store needs no batching of its
/// own. Every operation is one short transaction, mostly one statement (data-modifying CTEs), so nothing is half-written
/// and a write costs one round trip.</para>
/// <para>Statements are parameterised and prepared on each pooled connection (<c>Max Auto Prepare</c>, on unless the
/// connection string sets it; set <c>Max Auto Prepare=0</c> behind PgBouncer older than 1.21 in transaction mode).</para>
/// <para>Times are the application's clock, passed in by the worker, stored to the millisecond as SQLite stores them
/// (the two stores then read back the same values); only the shared rate limit uses the database's clock.</para>
/// </remarks>
internal sealed class PostgreSqlOutboxStore : IOutboxStore
{
    private const string Messages = "mailsender_outbox_messages";
    private const string Pending = "('queued', 'deferred')";

    private const string InsertMessage = $"""
        WITH message AS (
            INSERT INTO {Messages}
                (id, idempotency_key, sender_name, state, envelope_from, message_id, subject, size, body, created_at, next_attempt_at, trace_parent, trace_state)
            VALUES (@id, @key, @sender, 'queued', @from, @message_id, @subject, @size, @body, @created, @next, @trace_parent, @trace_state)
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING id),
        recipients AS (
            INSERT INTO mailsender_outbox_recipients (message_id, position, address, state, updated_at)
            SELECT message.id, t.position - 1, t.address, 'queued', @created
            FROM message, unnest(@recipients) WITH ORDINALITY AS t (address, position))
        """;

    private const string Notify = PostgreSqlSchema.Notify;
    private static readonly TimeSpan FirstReconnectDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastReconnectDelay = TimeSpan.FromSeconds(5);

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _listenConnectionString;
    private readonly string _endpoint;
    private readonly List<Listener> _listeners = [];

    // At most one waiting request: enqueues that finish while a NOTIFY runs share the next one.
    private readonly Channel<bool> _notifications = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Task _notifier;
    private readonly Channel<PendingMark> _marks = Channel.CreateUnbounded<PendingMark>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _marker;
    private string _database;

    public PostgreSqlOutboxStore(string location, OutboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Description = PostgreSqlLocation.Describe(location);
        var builder = PostgreSqlLocation.Parse(location, Description);
        var set = builder.Keys.Cast<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!set.Contains("Application Name"))
        {
            builder.ApplicationName = "MailSender.Outbox";
        }

        if (!set.Contains("Max Auto Prepare"))
        {
            builder.MaxAutoPrepare = 32;
        }

        if (!set.Contains("No Reset On Close"))
        {
            // The store sets no session state (its LISTEN has a connection of its own), so a pooled connection need
            // not be reset (DISCARD ALL) each time it goes back: that reset and the re-preparing after it cost 10-15 %.
            builder.NoResetOnClose = true;
        }

        if (!set.Contains("Enlist"))
        {
            // Not in an ambient TransactionScope: without a DbTransaction, an enqueue is committed when the call returns.
            builder.Enlist = false;
        }

        _endpoint = builder.Host!.Contains(',', StringComparison.Ordinal) ? builder.Host
            : builder.Host.Contains(':', StringComparison.Ordinal) ? string.Create(CultureInfo.InvariantCulture, $"[{builder.Host}]:{builder.Port}")
            : string.Create(CultureInfo.InvariantCulture, $"{builder.Host}:{builder.Port}");
        _database = builder.Database ?? builder.Username ?? string.Empty;
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);

        // The listener's connection lives for hours: its own (not pooled, so it is never handed to an operation), with
        // keepalives so that a dead server or network is noticed while it waits.
        var listen = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Pooling = false };
        if (!set.Contains("Keepalive"))
        {
            listen.KeepAlive = 15;
        }

        _listenConnectionString = listen.ConnectionString;
        _notifier = Task.Run(NotifyLoopAsync, CancellationToken.None);
        _marker = Task.Run(MarkLoopAsync, CancellationToken.None);
    }

    public string Description { get; }

    public string Kind => "postgres";

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, PostgreSqlSchema.Lock, cancellationToken).ConfigureAwait(false);
            _database = (string)(await ScalarAsync(connection, "SELECT current_database()", cancellationToken).ConfigureAwait(false))!;
            if ((bool)(await ScalarAsync(connection, PostgreSqlSchema.Exists, cancellationToken).ConfigureAwait(false))!)
            {
                var version = await ScalarAsync(connection, PostgreSqlSchema.ReadVersion, cancellationToken).ConfigureAwait(false) as int?;
                if (version > PostgreSqlSchema.Version)
                {
                    throw new EmailSendException(EmailErrorKind.Configuration, string.Create(CultureInfo.InvariantCulture, $"The outbox {Description} has schema version {version}, newer than this MailSender knows ({PostgreSqlSchema.Version})."))
                    {
                        Hint = "Upgrade MailSender in this application (every process that shares the outbox needs the newer version), or point it at another database or schema.",
                    };
                }

                if (version == PostgreSqlSchema.Version)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
            }

            await ExecuteAsync(connection, PostgreSqlSchema.Create, cancellationToken).ConfigureAwait(false);
            await using (var command = new NpgsqlCommand(PostgreSqlSchema.WriteVersion, connection))
            {
                command.Parameters.Add(new NpgsqlParameter<int>("version", PostgreSqlSchema.Version));
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStorageError(ex, cancellationToken))
        {
            throw Map(ex, "open the outbox");
        }
    }

    public async Task<(Guid Id, bool Created)> EnqueueAsync(NewMessage message, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        NpgsqlConnection? callers = null;
        if (transaction is not null)
        {
            if (transaction is not NpgsqlTransaction npgsql)
            {
                throw new EmailSendException(EmailErrorKind.Configuration, $"The outbox {Description} can only enqueue in an NpgsqlTransaction on the same database, not in a {transaction.GetType().Name}.")
                {
                    Hint = "Begin the transaction on an NpgsqlConnection to the outbox's database (NpgsqlConnection.BeginTransaction), or enqueue without a transaction.",
                };
            }

            try
            {
                callers = npgsql.Connection;
            }
            catch (ObjectDisposedException)
            {
            }

            if (callers is null)
            {
                throw Unusable(null);
            }

            if (!string.Equals(callers.Database, _database, StringComparison.Ordinal))
            {
                throw new EmailSendException(EmailErrorKind.Configuration, $"The transaction is on database '{callers.Database}', not on the outbox's database '{_database}' ({Description}): the message would not commit with it.")
                {
                    Hint = "Enqueue in a transaction on the outbox's database, or point MailSender:Outbox:Store at the database of the application's transaction.",
                };
            }
        }

        try
        {
            NpgsqlConnection? own = null;
            try
            {
                if (callers is not null)
                {
                    return await InsertAsync(callers, (NpgsqlTransaction)transaction!, message, cancellationToken).ConfigureAwait(false);
                }

                own = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                var stored = await InsertAsync(own, null, message, cancellationToken).ConfigureAwait(false);
                if (stored.Created)
                {
                    _notifications.Writer.TryWrite(true);
                }

                return stored;
            }
            finally
            {
                if (own is not null)
                {
                    await own.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (IsStorageError(ex, cancellationToken))
        {
            throw Map(ex, "store the message");
        }
        catch (InvalidOperationException ex) when (callers is not null)
        {
            // Npgsql refuses a completed transaction, or a connection busy with the application's open reader.
            throw Unusable(ex);
        }
    }

    public Task<IReadOnlyList<ClaimedMessage>> ClaimAsync(int max, DateTimeOffset now, TimeSpan lease, bool atLeastOnce, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<ClaimedMessage>>("claim messages", connection => ClaimCoreAsync(connection, max, now, lease, atLeastOnce, cancellationToken), cancellationToken);

    /// <summary>
    /// Checkpoints come from every send just before its end is written, many at once: they are grouped, so that one
    /// statement and one commit record all those pending (each still fenced by its own lease) instead of one each.
    /// </summary>
    public async Task<bool> MarkFinalWriteAsync(Guid id, Guid lease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var mark = new PendingMark(id, lease, now);
        if (!_marks.Writer.TryWrite(mark))
        {
            throw new ObjectDisposedException(nameof(PostgreSqlOutboxStore), $"The outbox {Description} is closed.");
        }

        return await mark.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task MarkLoopAsync()
    {
        var batch = new List<PendingMark>();
        while (await _marks.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < 512 && _marks.Reader.TryRead(out var mark))
            {
                batch.Add(mark);
            }

            batch.Sort((a, b) => a.Id.CompareTo(b.Id));

            try
            {
                var recorded = await RunAsync("record the end of a message", async connection =>
                {
                    await using var command = new NpgsqlCommand($"""
                        UPDATE {Messages} m SET final_write_at = c.now
                        FROM unnest(@ids, @leases, @nows) AS c (id, lease, now)
                        WHERE m.id = c.id AND m.lease = c.lease AND m.state = 'sending' AND m.lease_until > c.now
                        RETURNING m.id
                        """, connection);
                    command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", [.. batch.Select(m => m.Id)]));
                    command.Parameters.Add(new NpgsqlParameter<Guid[]>("leases", [.. batch.Select(m => m.Lease)]));
                    command.Parameters.Add(new NpgsqlParameter<DateTime[]>("nows", [.. batch.Select(m => Truncate(m.Now).UtcDateTime)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
                    var ids = new HashSet<Guid>();
                    await using var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
                    while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                    {
                        ids.Add(reader.GetGuid(0));
                    }

                    return ids;
                }, CancellationToken.None).ConfigureAwait(false);
                foreach (var mark in batch)
                {
                    mark.Completion.TrySetResult(recorded.Contains(mark.Id));
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                foreach (var mark in batch)
                {
                    mark.Completion.TrySetException(ex);
                }
            }

            batch.Clear();
        }
    }

    public Task<IReadOnlyCollection<Guid>> RenewLeasesAsync(IReadOnlyCollection<(Guid Id, Guid Lease)> held, DateTimeOffset until, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(held);
        if (held.Count == 0)
        {
            return Task.FromResult<IReadOnlyCollection<Guid>>([]);
        }

        return RunAsync<IReadOnlyCollection<Guid>>("renew leases", async connection =>
        {
            await using var command = new NpgsqlCommand($"""
                UPDATE {Messages} m SET lease_until = @until
                FROM unnest(@ids, @leases) AS h (id, lease)
                WHERE m.id = h.id AND m.lease = h.lease AND m.state = 'sending'
                RETURNING m.id
                """, connection);
            // In id order, as the grouped checkpoints, so that the two lock shared rows in the same order.
            var ordered = held.OrderBy(h => h.Id).ToArray();
            command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", [.. ordered.Select(h => h.Id)]));
            command.Parameters.Add(new NpgsqlParameter<Guid[]>("leases", [.. ordered.Select(h => h.Lease)]));
            command.Parameters.Add(Time("until", until));
            var renewed = new HashSet<Guid>();
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    renewed.Add(reader.GetGuid(0));
                }
            }

            return held.Select(h => h.Id).Where(id => !renewed.Contains(id)).Distinct().ToList();
        }, cancellationToken);
    }

    public Task<bool> CompleteAttemptAsync(AttemptRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return RunAsync("record an attempt", async connection =>
        {
            // One statement: the recipients change only if the fenced update of the message did.
            await using var command = new NpgsqlCommand($"""
                WITH message AS (
                    UPDATE {Messages}
                    SET state = @state, next_attempt_at = @next, last_error = @error, last_status_code = @code, hint = @hint,
                        finished_at = @finished, lease = NULL, lease_until = NULL, final_write_at = NULL, prior_state = NULL,
                        prior_next_attempt_at = NULL, body = CASE WHEN @delete THEN NULL ELSE body END
                    WHERE id = @id AND lease = @lease AND state = 'sending'
                    RETURNING id),
                recipients AS (
                    UPDATE mailsender_outbox_recipients r
                    SET state = u.state, status_code = u.code, enhanced_status_code = u.enhanced, reply = u.reply, updated_at = @now
                    FROM message, unnest(@positions, @states, @codes, @enhanced_codes, @replies) AS u (position, state, code, enhanced, reply)
                    WHERE r.message_id = message.id AND r.position = u.position)
                SELECT count(*) FROM message
                """, connection);
            var parameters = command.Parameters;
            parameters.Add(new NpgsqlParameter<Guid>("id", record.Id));
            parameters.Add(new NpgsqlParameter<Guid>("lease", record.Lease));
            parameters.Add(new NpgsqlParameter<string>("state", OutboxStates.Name(record.State)));
            parameters.Add(Time("next", record.NextAttemptAt));
            parameters.Add(Nullable("error", record.LastError, NpgsqlDbType.Text));
            parameters.Add(Nullable("code", record.LastStatusCode, NpgsqlDbType.Integer));
            parameters.Add(Nullable("hint", record.Hint, NpgsqlDbType.Text));
            parameters.Add(Time("finished", record.FinishedAt));
            parameters.Add(new NpgsqlParameter<bool>("delete", record.DeleteBody));
            parameters.Add(Time("now", record.Now));
            parameters.Add(new NpgsqlParameter<int[]>("positions", record.Recipients.Select(r => r.Position).ToArray()));
            parameters.Add(new NpgsqlParameter<string[]>("states", record.Recipients.Select(r => OutboxStates.Name(r.State)).ToArray()));
            parameters.Add(new NpgsqlParameter("codes", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = record.Recipients.Select(r => r.StatusCode).ToArray() });
            parameters.Add(new NpgsqlParameter("enhanced_codes", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = record.Recipients.Select(r => r.EnhancedStatusCode).ToArray() });
            parameters.Add(new NpgsqlParameter("replies", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = record.Recipients.Select(r => r.Reply).ToArray() });
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 1;
        }, cancellationToken);
    }

    public Task ReleaseAsync(IReadOnlyCollection<(Guid Id, Guid Lease)> held, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(held);
        if (held.Count == 0)
        {
            return Task.CompletedTask;
        }

        return RunAsync("give back messages", async connection =>
        {
            // Notifies when something was given back: it is due again, and another process's worker may take it at once.
            await using var command = new NpgsqlCommand($"""
                WITH released AS (
                    UPDATE {Messages} m
                    SET state = m.prior_state, next_attempt_at = m.prior_next_attempt_at, attempts = m.attempts - 1, lease = NULL,
                        lease_until = NULL, prior_state = NULL, prior_next_attempt_at = NULL
                    FROM unnest(@ids, @leases) AS h (id, lease)
                    WHERE m.id = h.id AND m.lease = h.lease AND m.state = 'sending' AND m.final_write_at IS NULL
                    RETURNING m.id)
                {Notify} FROM (SELECT 1 FROM released LIMIT 1) AS any_released
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", held.Select(h => h.Id).ToArray()));
            command.Parameters.Add(new NpgsqlParameter<Guid[]>("leases", held.Select(h => h.Lease).ToArray()));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public Task<OutboxMessage?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        RunAsync("read the outbox", async connection =>
            (await QueryAsync(connection, "WHERE m.id = @id", 1, [new NpgsqlParameter<Guid>("id", id)], cancellationToken).ConfigureAwait(false)).FirstOrDefault(), cancellationToken);

    public Task<IReadOnlyList<OutboxMessage>> ListAsync(OutboxState? state, int limit, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<OutboxMessage>>("read the outbox", async connection => state is { } s
            ? await QueryAsync(connection, "WHERE m.state = @state ORDER BY m.created_at, m.id", limit, [new NpgsqlParameter<string>("state", OutboxStates.Name(s))], cancellationToken).ConfigureAwait(false)
            : await QueryAsync(connection, "ORDER BY m.created_at, m.id", limit, [], cancellationToken).ConfigureAwait(false), cancellationToken);

    public Task<bool> RetryAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken) =>
        RunAsync("retry a message", async connection =>
        {
            // Due now: the notification wakes a worker in any process (the CLI's `outbox retry` runs in its own).
            await using var command = new NpgsqlCommand($"""
                WITH message AS (
                    UPDATE {Messages}
                    SET state = 'queued', next_attempt_at = @now, finished_at = NULL, final_write_at = NULL, hint = NULL
                    WHERE id = @id AND state IN ('failed', 'uncertain', 'deferred') AND body IS NOT NULL
                    RETURNING id),
                recipients AS (
                    UPDATE mailsender_outbox_recipients r SET state = 'queued', updated_at = @now
                    FROM message WHERE r.message_id = message.id AND r.state IN ('failed', 'uncertain', 'deferred'))
                {Notify} FROM message
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<Guid>("id", id));
            command.Parameters.Add(Time("now", now));
            return await CountRowsAsync(command, cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    public Task<bool> CancelAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken) =>
        RunAsync("cancel a message", async connection =>
        {
            await using var command = new NpgsqlCommand($"""
                WITH message AS (
                    UPDATE {Messages} SET state = 'cancelled', finished_at = @now, next_attempt_at = NULL
                    WHERE id = @id AND state IN {Pending}
                    RETURNING id),
                recipients AS (
                    UPDATE mailsender_outbox_recipients r SET state = 'cancelled', updated_at = @now
                    FROM message WHERE r.message_id = message.id AND r.state IN {Pending})
                SELECT count(*) FROM message
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<Guid>("id", id));
            command.Parameters.Add(Time("now", now));
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 1;
        }, cancellationToken);

    public Task<int> PurgeAsync(DateTimeOffset finishedBefore, IReadOnlyCollection<OutboxState> states, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(states);
        var names = states.Where(s => OutboxStates.Final.Contains(s)).Select(OutboxStates.Name).Distinct().ToArray();
        if (names.Length == 0)
        {
            return Task.FromResult(0);
        }

        return RunAsync("purge the outbox", async connection =>
        {
            // The recipients go with their message (ON DELETE CASCADE).
            await using var command = new NpgsqlCommand($"DELETE FROM {Messages} WHERE state = ANY(@states) AND finished_at < @before", connection);
            command.Parameters.Add(new NpgsqlParameter<string[]>("states", names));
            command.Parameters.Add(Time("before", finishedBefore));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task<OutboxStatistics> GetStatisticsAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        RunAsync("read the outbox", async connection =>
        {
            var counts = OutboxStates.All.ToDictionary(s => s, _ => 0L);
            DateTimeOffset? oldest = null;
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand($"SELECT state, count(*) FROM {Messages} GROUP BY state"),
                    new NpgsqlBatchCommand($"SELECT min(next_attempt_at) FROM {Messages} WHERE state IN {Pending} AND next_attempt_at <= $1") { Parameters = { Time(null, now) } },
                },
            };
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    counts[OutboxStates.Parse(reader.GetString(0))] = reader.GetInt64(1);
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0))
                {
                    oldest = reader.GetFieldValue<DateTimeOffset>(0);
                }
            }

            return new OutboxStatistics
            {
                Counts = counts,
                OldestDueAge = oldest is { } due ? now - due : TimeSpan.Zero,
            };
        }, cancellationToken);

    public Task<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken) =>
        RunAsync("read the outbox", async connection =>
        {
            await using var command = new NpgsqlCommand($"SELECT min(next_attempt_at) FROM {Messages} WHERE state IN {Pending}", connection);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime due ? new DateTimeOffset(due.ToUniversalTime()) : (DateTimeOffset?)null;
        }, cancellationToken);

    public Task<long> CountSendingAsync(CancellationToken cancellationToken) =>
        RunAsync("read the outbox", async connection =>
        {
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM {Messages} WHERE state = 'sending'", connection);
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }, cancellationToken);

    public Task<int> TakePermitsAsync(string key, int wanted, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (wanted <= 0)
        {
            return Task.FromResult(0);
        }

        var windowMs = Math.Max(1L, (long)window.TotalMilliseconds);
        return RunAsync("take sending permits", async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            // The window from the database's clock (the machines' clocks may differ by more than a short window). The
            // no-op DO UPDATE locks the window's row until commit and returns its latest count, so the grant below is
            // computed from what the other workers took, and theirs wait for ours.
            long start;
            long used;
            await using (var take = new NpgsqlCommand("""
                INSERT INTO mailsender_outbox_rate (key, window_start, count)
                VALUES (@key, floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint / @window * @window, 0)
                ON CONFLICT (key, window_start) DO UPDATE SET count = mailsender_outbox_rate.count
                RETURNING window_start, count
                """, connection, transaction))
            {
                take.Parameters.Add(new NpgsqlParameter<string>("key", key));
                take.Parameters.Add(new NpgsqlParameter<long>("window", windowMs));
                await using var reader = await take.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                start = reader.GetInt64(0);
                used = reader.GetInt32(1);
            }

            var granted = (int)Math.Clamp(limit - used, 0, wanted);
            await using (var batch = new NpgsqlBatch(connection, transaction))
            {
                if (granted > 0)
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE mailsender_outbox_rate SET count = count + $1 WHERE key = $2 AND window_start = $3")
                    {
                        Parameters = { new NpgsqlParameter<int> { TypedValue = granted }, new NpgsqlParameter<string> { TypedValue = key }, new NpgsqlParameter<long> { TypedValue = start } },
                    });
                }

                batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM mailsender_outbox_rate WHERE key = $1 AND window_start < $2")
                {
                    Parameters = { new NpgsqlParameter<string> { TypedValue = key }, new NpgsqlParameter<long> { TypedValue = start - (16 * windowMs) } },
                });
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return granted;
        }, cancellationToken);
    }

    public Task<int> MarkBouncedAsync(string messageId, string address, string? enhancedStatusCode, string? reply, DateTimeOffset now, CancellationToken cancellationToken) =>
        RunAsync("record a bounce", async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            // The messages' rows are locked first, so two reports for two recipients of one message (two machines, or a
            // worker's write) take turns: the second then sees the first's recipients when it decides the message's state.
            // The addresses are compared here, not with SQL's lower() (which depends on the database's locale): the same
            // ordinal ignore-case comparison as the suppression list's. A Message-ID has few recipients.
            var matches = new List<(Guid Message, int Position)>();
            await using (var select = new NpgsqlCommand($"""
                SELECT r.message_id, r.position, r.address FROM mailsender_outbox_recipients r
                WHERE r.state = 'sent' AND r.message_id IN (SELECT id FROM {Messages} WHERE message_id = @messageId ORDER BY id FOR UPDATE)
                """, connection, transaction))
            {
                select.Parameters.Add(new NpgsqlParameter<string>("messageId", messageId));
                await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (OutboxStates.SameAddress(reader.GetString(2), address))
                    {
                        matches.Add((reader.GetGuid(0), reader.GetInt32(1)));
                    }
                }
            }

            if (matches.Count == 0)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            }

            int changed;
            await using (var update = new NpgsqlCommand($"""
                WITH bounced AS (
                    UPDATE mailsender_outbox_recipients r
                    SET state = 'bounced', status_code = NULL, enhanced_status_code = @status, reply = @reply, updated_at = @now
                    FROM unnest(@ids, @positions) AS m(id, position)
                    WHERE r.message_id = m.id AND r.position = m.position AND r.state = 'sent'
                    RETURNING r.message_id)
                SELECT count(*)::integer FROM bounced
                """, connection, transaction))
            {
                update.Parameters.Add(Nullable("status", enhancedStatusCode, NpgsqlDbType.Text));
                update.Parameters.Add(Nullable("reply", reply, NpgsqlDbType.Text));
                update.Parameters.Add(Time("now", now));
                update.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", [.. matches.Select(m => m.Message)]));
                update.Parameters.Add(new NpgsqlParameter<int[]>("positions", [.. matches.Select(m => m.Position)]));
                changed = (int)(await update.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            // A statement of its own, so it sees the recipients just written.
            await using (var message = new NpgsqlCommand($"""
                UPDATE {Messages} m SET state = 'bounced'
                WHERE m.id = ANY(@ids) AND m.state = 'sent'
                  AND NOT EXISTS (SELECT 1 FROM mailsender_outbox_recipients r WHERE r.message_id = m.id AND r.state = 'sent')
                """, connection, transaction))
            {
                message.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", [.. matches.Select(m => m.Message).Distinct()]));
                await message.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return changed;
        }, cancellationToken);

    public Task<EmailSuppression?> FindSuppressionAsync(string address, string? list, CancellationToken cancellationToken) =>
        RunAsync("read the suppression list", async connection =>
        {
            // The global entry ('') first: it applies to every list.
            await using var command = new NpgsqlCommand("""
                SELECT address, reason, list, detail, created_at FROM mailsender_suppressions
                WHERE address_key = @key AND list IN ('', @list) ORDER BY list = '' DESC LIMIT 1
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("key", OutboxStates.AddressKey(address)));
            command.Parameters.Add(new NpgsqlParameter<string>("list", list ?? string.Empty));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new EmailSuppression(reader.GetString(0), OutboxStates.ParseReason(reader.GetString(1)), reader.GetString(2) is { Length: > 0 } found ? found : null)
                {
                    Detail = NullableString(reader, 3),
                    CreatedAt = reader.GetFieldValue<DateTimeOffset>(4),
                }
                : null;
        }, cancellationToken);

    public Task AddSuppressionAsync(EmailSuppression suppression, CancellationToken cancellationToken) =>
        RunAsync("add to the suppression list", async connection =>
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO mailsender_suppressions (address_key, list, address, reason, detail, created_at)
                VALUES (@key, @list, @address, @reason, @detail, @created) ON CONFLICT DO NOTHING
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("key", OutboxStates.AddressKey(suppression.Address)));
            command.Parameters.Add(new NpgsqlParameter<string>("list", suppression.List ?? string.Empty));
            command.Parameters.Add(new NpgsqlParameter<string>("address", suppression.Address));
            command.Parameters.Add(new NpgsqlParameter<string>("reason", OutboxStates.ReasonName(suppression.Reason)));
            command.Parameters.Add(Nullable("detail", suppression.Detail, NpgsqlDbType.Text));
            command.Parameters.Add(Time("created", suppression.CreatedAt));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<bool> RemoveSuppressionAsync(string address, string? list, CancellationToken cancellationToken) =>
        RunAsync("remove from the suppression list", async connection =>
        {
            await using var command = new NpgsqlCommand("DELETE FROM mailsender_suppressions WHERE address_key = @key AND list = @list", connection);
            command.Parameters.Add(new NpgsqlParameter<string>("key", OutboxStates.AddressKey(address)));
            command.Parameters.Add(new NpgsqlParameter<string>("list", list ?? string.Empty));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    public async Task<IAsyncDisposable?> ListenAsync(Action wake, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wake);
        var listener = await Listener.StartAsync(this, wake, cancellationToken).ConfigureAwait(false);
        lock (_listeners)
        {
            _listeners.Add(listener);
        }

        return listener;
    }

    public async ValueTask DisposeAsync()
    {
        _notifications.Writer.TryComplete();
        await _notifier.ConfigureAwait(false);
        _marks.Writer.TryComplete();
        await _marker.ConfigureAwait(false);
        Listener[] listeners;
        lock (_listeners)
        {
            listeners = [.. _listeners];
            _listeners.Clear();
        }

        foreach (var listener in listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Sends NOTIFY after enqueues that committed on their own: one at a time, each for every enqueue that finished before it began.</summary>
    private async Task NotifyLoopAsync()
    {
        while (await _notifications.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            _notifications.Reader.TryRead(out _);
            try
            {
                // Its own short transaction (NOTIFY takes a transaction id, so its commit is flushed like any other).
                await using var command = _dataSource.CreateCommand(Notify);
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsStorageError(ex, CancellationToken.None) || ex is ObjectDisposedException)
            {
                // Lost wake-ups cost a poll interval at most: every worker polls as well.
            }
        }
    }

    /// <summary>A checkpoint waiting for the next grouped statement.</summary>
    private sealed record PendingMark(Guid Id, Guid Lease, DateTimeOffset Now)
    {
        public TaskCompletionSource<bool> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private EmailSendException Unusable(InvalidOperationException? ex) =>
        new(EmailErrorKind.Configuration, $"The transaction given to the outbox {Description} cannot be used{(ex is null ? string.Empty : ": " + ex.Message.TrimEnd('.'))}; it is committed, rolled back or disposed already, or its connection is busy.", ex)
        {
            Hint = "Enqueue while the application's transaction is open, after its other commands have finished (close their readers), and commit it afterwards.",
        };

    private static async Task<(Guid Id, bool Created)> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, NewMessage message, CancellationToken cancellationToken)
    {
        // One statement, so one round trip and atomic without BEGIN/COMMIT: the message and its recipients. In the
        // application's transaction, the notification too: PostgreSQL delivers it only if and when that commits. Without
        // one, the notification follows the commit from NotifyLoopAsync: a NOTIFY in the transaction would take a lock
        // that PostgreSQL holds until the commit is flushed, so notifying enqueues would commit one at a time instead of
        // sharing WAL flushes (measured: about a sixth of the throughput with 8 producers).
        await using (var command = new NpgsqlCommand(transaction is null ? InsertMessage + "SELECT 1 FROM message" : InsertMessage + Notify + " FROM message", connection, transaction))
        {
            var parameters = command.Parameters;
            parameters.Add(new NpgsqlParameter<Guid>("id", message.Id));
            parameters.Add(Nullable("key", message.IdempotencyKey, NpgsqlDbType.Text));
            parameters.Add(new NpgsqlParameter<string>("sender", message.SenderName));
            parameters.Add(new NpgsqlParameter<string>("from", message.From));
            parameters.Add(Nullable("message_id", message.MessageId, NpgsqlDbType.Text));
            parameters.Add(Nullable("subject", message.Subject, NpgsqlDbType.Text));
            parameters.Add(new NpgsqlParameter<int>("size", message.Body.Length));
            parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>("body", message.Body) { NpgsqlDbType = NpgsqlDbType.Bytea });
            parameters.Add(Time("created", message.CreatedAt));
            parameters.Add(Time("next", message.NextAttemptAt));
            parameters.Add(Nullable("trace_parent", message.TraceParent, NpgsqlDbType.Text));
            parameters.Add(Nullable("trace_state", message.TraceState, NpgsqlDbType.Text));
            parameters.Add(new NpgsqlParameter<string[]>("recipients", [.. message.Recipients]));
            if (await CountRowsAsync(command, cancellationToken).ConfigureAwait(false) == 1)
            {
                return (message.Id, true);
            }
        }

        // The key exists (ON CONFLICT waited for a concurrent insert of it to commit, so this statement sees it).
        await using var existing = new NpgsqlCommand($"SELECT id FROM {Messages} WHERE idempotency_key = @key", connection, transaction);
        existing.Parameters.Add(Nullable("key", message.IdempotencyKey, NpgsqlDbType.Text));
        return (await existing.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is Guid id ? id : throw new InvalidOperationException($"The outbox stored nothing for message {message.Id} and has no message with its idempotency key."), false);
    }

    private static async Task<IReadOnlyList<ClaimedMessage>> ClaimCoreAsync(NpgsqlConnection connection, int max, DateTimeOffset now, TimeSpan lease, bool atLeastOnce, CancellationToken cancellationToken)
    {
        // One batch, so one round trip and one implicit transaction: expired leases are taken back, then due messages
        // claimed, then the claimed messages' pending recipients read. SKIP LOCKED everywhere: claimers never wait for one
        // another (and cannot deadlock), each row goes to whoever locks it first.
        const string Expired = $"SELECT id FROM {Messages} WHERE state = 'sending' AND lease_until <= @now";
        var token = Guid.NewGuid();
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Command($"""
            UPDATE {Messages}
            SET state = prior_state, next_attempt_at = @now, lease = NULL, lease_until = NULL, prior_state = NULL, prior_next_attempt_at = NULL, last_error = @why
            WHERE id IN ({Expired} AND final_write_at IS NULL FOR UPDATE SKIP LOCKED)
            """, Time("now", now), new NpgsqlParameter<string>("why", OutboxStates.ReclaimedBeforeFinalWrite)));
        batch.BatchCommands.Add(atLeastOnce
            ? Command($"""
                UPDATE {Messages}
                SET state = 'deferred', next_attempt_at = @now, lease = NULL, lease_until = NULL, final_write_at = NULL, prior_state = NULL, prior_next_attempt_at = NULL, last_error = @why
                WHERE id IN ({Expired} FOR UPDATE SKIP LOCKED)
                """, Time("now", now), new NpgsqlParameter<string>("why", OutboxStates.ReclaimedAtLeastOnce))
            : Command($"""
                WITH expired AS ({Expired} FOR UPDATE SKIP LOCKED),
                recipients AS (
                    UPDATE mailsender_outbox_recipients SET state = 'uncertain', reply = @why, updated_at = @now
                    WHERE state IN {Pending} AND message_id IN (SELECT id FROM expired))
                UPDATE {Messages}
                SET state = 'uncertain', finished_at = @now, lease = NULL, lease_until = NULL, prior_state = NULL, prior_next_attempt_at = NULL, last_error = @why, hint = @hint
                WHERE id IN (SELECT id FROM expired)
                """, Time("now", now), new NpgsqlParameter<string>("why", OutboxStates.ReclaimedAfterFinalWrite), new NpgsqlParameter<string>("hint", OutboxStates.UncertainHint)));
        batch.BatchCommands.Add(Command($"""
            UPDATE {Messages}
            SET prior_state = state, prior_next_attempt_at = next_attempt_at, state = 'sending', lease = @lease, lease_until = @until, attempts = attempts + 1
            WHERE id IN (
                SELECT id FROM {Messages} WHERE state IN {Pending} AND next_attempt_at <= @now
                ORDER BY next_attempt_at, id LIMIT @max FOR UPDATE SKIP LOCKED)
            RETURNING id, sender_name, envelope_from, body, attempts, created_at, trace_parent, trace_state
            """, new NpgsqlParameter<Guid>("lease", token), Time("until", now + lease), Time("now", now), new NpgsqlParameter<int>("max", Math.Max(0, max))));
        batch.BatchCommands.Add(Command($"""
            SELECT r.message_id, r.position, r.address
            FROM mailsender_outbox_recipients r JOIN {Messages} m ON m.id = r.message_id
            WHERE m.lease = @lease AND m.state = 'sending' AND r.state IN {Pending}
            ORDER BY r.message_id, r.position
            """, new NpgsqlParameter<Guid>("lease", token)));

        var claimed = new List<ClaimedMessage>();
        var pending = new Dictionary<Guid, List<(int, string)>>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            // The reader skips the recoveries (they return no rows): the claim's RETURNING is its first result.
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var id = reader.GetGuid(0);
                var recipients = new List<(int, string)>();
                pending[id] = recipients;
                claimed.Add(new ClaimedMessage
                {
                    Id = id,
                    Lease = token,
                    SenderName = reader.GetString(1),
                    From = reader.GetString(2),
                    Body = reader.IsDBNull(3) ? null : reader.GetFieldValue<byte[]>(3),
                    Attempts = reader.GetInt32(4),
                    CreatedAt = reader.GetFieldValue<DateTimeOffset>(5),
                    TraceParent = NullableString(reader, 6),
                    TraceState = NullableString(reader, 7),
                    Pending = recipients,
                });
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (pending.TryGetValue(reader.GetGuid(0), out var recipients))
                {
                    recipients.Add((reader.GetInt32(1), reader.GetString(2)));
                }
            }
        }

        // The same order as the SQLite store returns them.
        claimed.Sort((a, b) => a.Id.CompareTo(b.Id));
        return claimed;
    }

    private static async Task<List<OutboxMessage>> QueryAsync(NpgsqlConnection connection, string where, int limit, NpgsqlParameter[] parameters, CancellationToken cancellationToken)
    {
        // Repeatable read: the recipients are read from the same snapshot as their messages.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var messages = new List<OutboxMessage>();

        // Each message holds its own list, filled in place by the second query.
        var recipients = new Dictionary<Guid, List<OutboxRecipient>>();
        await using (var command = new NpgsqlCommand($"""
            SELECT m.id, m.state, m.message_id, m.subject, m.envelope_from, m.sender_name, m.idempotency_key, m.size, m.created_at,
                   CASE WHEN m.state = 'sending' THEN m.lease_until ELSE m.next_attempt_at END, m.attempts, m.last_error, m.last_status_code, m.hint,
                   m.finished_at, m.body IS NOT NULL
            FROM {Messages} m {where} LIMIT @limit
            """, connection, transaction))
        {
            command.Parameters.AddRange(parameters);

            // LIMIT NULL is no limit, as SQLite's LIMIT -1.
            command.Parameters.Add(Nullable("limit", limit < 0 ? null : limit, NpgsqlDbType.Integer));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var list = new List<OutboxRecipient>();
                recipients[reader.GetGuid(0)] = list;
                messages.Add(new OutboxMessage
                {
                    Id = reader.GetGuid(0),
                    State = OutboxStates.Parse(reader.GetString(1)),
                    MessageId = NullableString(reader, 2),
                    Subject = NullableString(reader, 3),
                    From = reader.GetString(4),
                    SenderName = reader.GetString(5),
                    IdempotencyKey = NullableString(reader, 6),
                    Size = reader.GetInt32(7),
                    CreatedAt = reader.GetFieldValue<DateTimeOffset>(8),
                    NextAttemptAt = reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
                    Attempts = reader.GetInt32(10),
                    LastError = NullableString(reader, 11),
                    LastStatusCode = reader.IsDBNull(12) ? null : reader.GetInt32(12),
                    Hint = NullableString(reader, 13),
                    FinishedAt = reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14),
                    HasBody = reader.GetBoolean(15),
                    Recipients = list,
                });
            }
        }

        if (messages.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return messages;
        }

        var sending = messages.Where(m => m.State == OutboxState.Sending).Select(m => m.Id).ToHashSet();
        await using (var command = new NpgsqlCommand("""
            SELECT message_id, address, state, status_code, enhanced_status_code, reply, updated_at
            FROM mailsender_outbox_recipients WHERE message_id = ANY(@ids) ORDER BY message_id, position
            """, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", [.. recipients.Keys]));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var messageId = reader.GetGuid(0);
                var state = OutboxStates.Parse(reader.GetString(2));
                recipients[messageId].Add(new OutboxRecipient
                {
                    Address = reader.GetString(1),
                    State = sending.Contains(messageId) && state is OutboxState.Queued or OutboxState.Deferred ? OutboxState.Sending : state,
                    StatusCode = reader.IsDBNull(3) ? null : reader.GetInt32(3),
                    EnhancedStatusCode = NullableString(reader, 4),
                    Reply = NullableString(reader, 5),
                    UpdatedAt = reader.GetFieldValue<DateTimeOffset>(6),
                });
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return messages;
    }

    private async Task<T> RunAsync<T>(string what, Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                return await work(connection).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState is "40P01" or "40001" && attempt < 3 && !cancellationToken.IsCancellationRequested)
            {
                // A deadlock or serialisation failure rolled the whole transaction back (every operation here is one
                // transaction), so running it again is safe: lease renewals and grouped checkpoints touch the same rows.
            }
            catch (Exception ex) when (IsStorageError(ex, cancellationToken))
            {
                throw Map(ex, what);
            }
        }
    }

    /// <summary>What <see cref="Map"/> turns into a StorageFailed error: the database's and the connection's failures, not cancellation or bugs.</summary>
    private static bool IsStorageError(Exception ex, CancellationToken cancellationToken) =>
        ex is NpgsqlException or SocketException or IOException or TimeoutException && !cancellationToken.IsCancellationRequested;

    private EmailSendException Map(Exception ex, string what)
    {
        if (ex is PostgresException postgres)
        {
            var (transient, hint) = postgres.SqlState switch
            {
                // serialization_failure, deadlock_detected, lock_not_available, query_canceled (statement_timeout)
                "40001" or "40P01" or "55P03" or "57014" => (true, "PostgreSQL gave up on the transaction because of a conflict or a timeout; nothing was written, and trying again works."),
                // too_many_connections; admin_shutdown, crash_shutdown, cannot_connect_now; disk_full; read_only_sql_transaction
                "53300" => (true, "PostgreSQL has no connection slot left (max_connections): lower Maximum Pool Size in the store's connection string, or raise max_connections."),
                "57P01" or "57P02" or "57P03" => (true, $"PostgreSQL at {_endpoint} is shutting down or starting up; nothing was written, and trying again once it is up works."),
                "53100" => (true, "PostgreSQL's disk is full; nothing was written."),
                "25006" => (true, $"PostgreSQL at {_endpoint} is a read-only standby: point the store at the primary (or add Target Session Attributes=read-write)."),
                "28P01" or "28000" => (false, "PostgreSQL refused the user name or password of the outbox store (Username, Password, or pg_hba.conf)."),
                "3D000" => (false, "The database of the outbox store does not exist: create it (CREATE DATABASE), or fix Database= in the store."),
                "3F000" => (false, "The schema of the outbox store's Search Path does not exist: create it, or fix Search Path= in the store."),
                "42P01" => (false, "The outbox's tables do not exist where the connection's search_path looks: the outbox creates them at start-up (`mailsender outbox init` does too)."),
                "42501" => (false, "The store's user lacks a privilege on the outbox's tables or schema: grant it (CREATE on the schema to create the tables, then SELECT, INSERT, UPDATE, DELETE)."),
                _ => (postgres.IsTransient, (string?)null),
            };
            return new EmailSendException(EmailErrorKind.StorageFailed, $"Could not {what} ({Description}): {postgres.MessageText} (SQLSTATE {postgres.SqlState}).", ex)
            {
                IsTransient = transient,
                Hint = hint,
            };
        }

        if (ex is NpgsqlException { IsTransient: false } npgsql && npgsql.InnerException is not (SocketException or IOException or TimeoutException))
        {
            return new EmailSendException(EmailErrorKind.StorageFailed, $"Could not {what} ({Description}): {ex.Message}", ex);
        }

        // Unreachable, or the connection broke or timed out: transient. Each operation is one transaction, so it is whole
        // or absent; only a connection lost while the commit's answer was on its way leaves the outcome unknown.
        var detail = Innermost(ex);
        return new EmailSendException(EmailErrorKind.StorageFailed, $"Could not {what} ({Description}): PostgreSQL at {_endpoint} is unreachable: {detail}", ex)
        {
            IsTransient = true,
            Hint = $"PostgreSQL at {_endpoint} is unreachable: {detail} Check that it runs and accepts connections from this machine (listen_addresses, pg_hba.conf, firewall). Nothing is half-written; repeat the call later (with an idempotency key, a message is stored once even if the connection broke just after its commit).",
        };
    }

    private static string Innermost(Exception ex)
    {
        var messages = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (!messages.Contains(e.Message))
            {
                messages.Add(e.Message.TrimEnd('.'));
            }
        }

        return string.Join(": ", messages) + ".";
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DBNull ? null : value;
    }

    private static async Task<int> CountRowsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows++;
        }

        return rows;
    }

    /// <summary>A time as the store keeps it: UTC (Npgsql's timestamptz), to the millisecond (as SQLite keeps it).</summary>
    private static NpgsqlParameter Time(string? name, DateTimeOffset? time)
    {
        var parameter = new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = time is { } t ? Truncate(t) : DBNull.Value };
        if (name is not null)
        {
            parameter.ParameterName = name;
        }

        return parameter;
    }

    private static DateTimeOffset Truncate(DateTimeOffset time)
    {
        var ticks = time.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    private static NpgsqlParameter Nullable(string name, object? value, NpgsqlDbType type) => new(name, type) { Value = value ?? DBNull.Value };

    private static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>LISTEN on a dedicated connection; after a failure, reconnects with a growing pause and wakes the worker (it may have missed notifications meanwhile).</summary>
    private sealed class Listener : IAsyncDisposable
    {
        private readonly PostgreSqlOutboxStore _store;
        private readonly Action _wake;
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;

        private Listener(PostgreSqlOutboxStore store, Action wake)
        {
            _store = store;
            _wake = wake;
        }

        public static async Task<Listener> StartAsync(PostgreSqlOutboxStore store, Action wake, CancellationToken cancellationToken)
        {
            var listener = new Listener(store, wake);

            // The first connection before returning, so that a message enqueued after the call is heard; if the database is
            // down, the loop keeps trying (the worker polls meanwhile).
            NpgsqlConnection? first = null;
            try
            {
                first = await listener.ConnectAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsStorageError(ex, cancellationToken))
            {
            }

            listener._loop = Task.Run(() => listener.RunAsync(first), CancellationToken.None);
            return listener;
        }

        public async ValueTask DisposeAsync()
        {
            lock (_store._listeners)
            {
                _store._listeners.Remove(this);
            }

            if (!_stop.IsCancellationRequested)
            {
                await _stop.CancelAsync().ConfigureAwait(false);
            }

            await _loop.ConfigureAwait(false);
            _stop.Dispose();
        }

        private async Task RunAsync(NpgsqlConnection? connection)
        {
            var delay = FirstReconnectDelay;
            var token = _stop.Token;
            while (!token.IsCancellationRequested)
            {
                try
                {
                    if (connection is null)
                    {
                        connection = await ConnectAsync(token).ConfigureAwait(false);
                        Wake();
                    }

                    delay = FirstReconnectDelay;
                    while (true)
                    {
                        await connection.WaitAsync(token).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex) when (ex is NpgsqlException or SocketException or IOException or TimeoutException or ObjectDisposedException or OperationCanceledException)
                {
                    // Lost: the next loop connects anew after the pause.
                }

                if (connection is not null)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    connection = null;
                }

                try
                {
                    await Task.Delay(delay, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                delay = delay * 2 > LastReconnectDelay ? LastReconnectDelay : delay * 2;
            }

            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        private async Task<NpgsqlConnection> ConnectAsync(CancellationToken cancellationToken)
        {
            var connection = new NpgsqlConnection(_store._listenConnectionString);
            string? schema = null;
            connection.Notification += (_, e) =>
            {
                if (e.Payload.Length == 0 || string.Equals(e.Payload, schema, StringComparison.Ordinal))
                {
                    Wake();
                }
            };
            try
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (var command = new NpgsqlCommand(PostgreSqlSchema.CurrentSchema, connection))
                {
                    schema = (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                }

                await using (var command = new NpgsqlCommand(PostgreSqlSchema.Listen, connection))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                return connection;
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        private void Wake()
        {
            try
            {
                _wake();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The worker's wake-up must not end the listener; it polls anyway.
            }
        }
    }
}
