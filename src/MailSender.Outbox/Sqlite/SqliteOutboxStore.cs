using System.Data.Common;
using System.Globalization;
using System.Threading.Channels;
using MailSender.Outbox.Storage;
using Microsoft.Data.Sqlite;

namespace MailSender.Outbox.Sqlite;

/// <summary>
/// The outbox in an SQLite file (<c>sqlite:PATH</c>): one machine, any number of processes on it.
/// </summary>
/// <remarks>
/// <para>Durability: WAL journal with <c>synchronous=FULL</c>, so a commit is synced to disk before it returns and survives
/// power loss as well as a killed process (with NORMAL, recent commits may roll back after power loss).</para>
/// <para>SQLite has one writer at a time and no group commit of its own, so every write of this process goes through one
/// writer task that folds whatever is pending (enqueues, checkpoints, outcomes) into one transaction and one sync: many
/// callers share a commit, each in its own savepoint so that one's failure does not undo the others.</para>
/// </remarks>
internal sealed class SqliteOutboxStore : IOutboxStore
{
    private const int BusyErrors = 5; // SQLITE_BUSY; SQLITE_LOCKED is 6
    private const int MaxBatch = 256;
    private readonly string _path;
    private readonly string _connectionString;
    private readonly OutboxOptions _options;
    private readonly Channel<IWrite> _writes = Channel.CreateUnbounded<IWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    /// <summary>The writer's connection and its prepared commands; the writer task alone uses them.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> PreparedCommands = [];
    private SqliteConnection? _writerConnection;

    public SqliteOutboxStore(string path, OutboxOptions options)
    {
        _path = Path.GetFullPath(path);
        _options = options;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        Description = "sqlite:" + path;
        _writer = Task.Factory.StartNew(WriteLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public string Description { get; }

    public string Kind => "sqlite";

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.Run(Initialize, cancellationToken);

    public Task<(Guid Id, bool Created)> EnqueueAsync(NewMessage message, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        if (transaction is null)
        {
            return WriteAsync(connection => Insert(connection, message), cancellationToken);
        }

        if (transaction is not SqliteTransaction sqlite || sqlite.Connection is not { } connection)
        {
            throw new EmailSendException(EmailErrorKind.Configuration, $"The outbox {Description} can only enqueue in an open SqliteTransaction on the same file, not in a {transaction.GetType().Name}.");
        }

        if (!string.Equals(System.IO.Path.GetFullPath(connection.DataSource), _path, StringComparison.Ordinal))
        {
            throw new EmailSendException(EmailErrorKind.Configuration, $"The transaction is on '{connection.DataSource}', not on the outbox's file {Description}: the message would not commit with it.");
        }

        try
        {
            return Task.FromResult(Insert(connection, message, sqlite));
        }
        catch (SqliteException ex)
        {
            throw Map(ex, "store the message");
        }
    }

    public Task<IReadOnlyList<ClaimedMessage>> ClaimAsync(int max, DateTimeOffset now, TimeSpan lease, bool atLeastOnce, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<ClaimedMessage>>(connection => Claim(connection, max, now, lease, atLeastOnce), cancellationToken);

    public Task<bool> MarkFinalWriteAsync(Guid id, Guid lease, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(connection => Execute(connection, """
            UPDATE mailsender_outbox_messages SET final_write_at = $now
            WHERE id = $id AND lease = $lease AND state = 'sending' AND lease_until > $now
            """, ("$id", Id(id)), ("$lease", Id(lease)), ("$now", Ms(now))) == 1, cancellationToken, singleStatement: true);

    public Task<IReadOnlyCollection<Guid>> RenewLeasesAsync(IReadOnlyCollection<(Guid Id, Guid Lease)> held, DateTimeOffset until, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyCollection<Guid>>(connection =>
        {
            var lost = new List<Guid>();
            foreach (var (id, lease) in held)
            {
                if (Execute(connection, "UPDATE mailsender_outbox_messages SET lease_until = $until WHERE id = $id AND lease = $lease AND state = 'sending'", ("$id", Id(id)), ("$lease", Id(lease)), ("$until", Ms(until))) != 1)
                {
                    lost.Add(id);
                }
            }

            return lost;
        }, cancellationToken);

    public Task<bool> CompleteAttemptAsync(AttemptRecord record, CancellationToken cancellationToken) =>
        WriteAsync(connection =>
        {
            var changed = Execute(connection, """
                UPDATE mailsender_outbox_messages
                SET state = $state, next_attempt_at = $next, last_error = $error, last_status_code = $code, hint = $hint,
                    finished_at = $finished, lease = NULL, lease_until = NULL, final_write_at = NULL, prior_state = NULL,
                    prior_next_attempt_at = NULL, body = CASE WHEN $delete THEN NULL ELSE body END
                WHERE id = $id AND lease = $lease AND state = 'sending'
                """,
                ("$id", Id(record.Id)), ("$lease", Id(record.Lease)), ("$state", OutboxStates.Name(record.State)), ("$next", Ms(record.NextAttemptAt)),
                ("$error", record.LastError), ("$code", record.LastStatusCode), ("$hint", record.Hint), ("$finished", Ms(record.FinishedAt)),
                ("$delete", record.DeleteBody));
            if (changed != 1)
            {
                return false;
            }

            foreach (var recipient in record.Recipients)
            {
                Execute(connection, """
                    UPDATE mailsender_outbox_recipients SET state = $state, status_code = $code, enhanced_status_code = $enhanced, reply = $reply, updated_at = $now
                    WHERE message_id = $id AND position = $position
                    """,
                    ("$id", Id(record.Id)), ("$position", recipient.Position), ("$state", OutboxStates.Name(recipient.State)), ("$code", recipient.StatusCode),
                    ("$enhanced", recipient.EnhancedStatusCode), ("$reply", recipient.Reply), ("$now", Ms(record.Now)));
            }

            return true;
        }, cancellationToken);

    public Task ReleaseAsync(IReadOnlyCollection<(Guid Id, Guid Lease)> held, CancellationToken cancellationToken) =>
        WriteAsync(connection =>
        {
            foreach (var (id, lease) in held)
            {
                Execute(connection, """
                    UPDATE mailsender_outbox_messages
                    SET state = prior_state, next_attempt_at = prior_next_attempt_at, attempts = attempts - 1, lease = NULL, lease_until = NULL,
                        prior_state = NULL, prior_next_attempt_at = NULL
                    WHERE id = $id AND lease = $lease AND state = 'sending' AND final_write_at IS NULL
                    """, ("$id", Id(id)), ("$lease", Id(lease)));
            }

            return true;
        }, cancellationToken);

    public Task<OutboxMessage?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        ReadAsync(connection => Query(connection, "WHERE m.id = $id", 1, ("$id", Id(id))).FirstOrDefault(), cancellationToken);

    public Task<IReadOnlyList<OutboxMessage>> ListAsync(OutboxState? state, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<OutboxMessage>>(connection => state is { } s
            ? Query(connection, "WHERE m.state = $state ORDER BY m.created_at, m.id", limit, ("$state", OutboxStates.Name(s)))
            : Query(connection, "ORDER BY m.created_at, m.id", limit), cancellationToken);

    public Task<bool> RetryAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(connection =>
        {
            var changed = Execute(connection, """
                UPDATE mailsender_outbox_messages
                SET state = 'queued', next_attempt_at = $now, finished_at = NULL, final_write_at = NULL, hint = NULL
                WHERE id = $id AND state IN ('failed', 'uncertain', 'deferred') AND body IS NOT NULL
                """, ("$id", Id(id)), ("$now", Ms(now)));
            if (changed == 1)
            {
                Execute(connection, "UPDATE mailsender_outbox_recipients SET state = 'queued', updated_at = $now WHERE message_id = $id AND state IN ('failed', 'uncertain', 'deferred')", ("$id", Id(id)), ("$now", Ms(now)));
            }

            return changed == 1;
        }, cancellationToken);

    public Task<bool> CancelAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(connection =>
        {
            var changed = Execute(connection, """
                UPDATE mailsender_outbox_messages SET state = 'cancelled', finished_at = $now, next_attempt_at = NULL
                WHERE id = $id AND state IN ('queued', 'deferred')
                """, ("$id", Id(id)), ("$now", Ms(now)));
            if (changed == 1)
            {
                Execute(connection, "UPDATE mailsender_outbox_recipients SET state = 'cancelled', updated_at = $now WHERE message_id = $id AND state IN ('queued', 'deferred')", ("$id", Id(id)), ("$now", Ms(now)));
            }

            return changed == 1;
        }, cancellationToken);

    public Task<int> PurgeAsync(DateTimeOffset finishedBefore, IReadOnlyCollection<OutboxState> states, CancellationToken cancellationToken) =>
        WriteAsync(connection =>
        {
            var names = string.Join(", ", states.Where(s => OutboxStates.Final.Contains(s)).Select(s => "'" + OutboxStates.Name(s) + "'"));
            if (names.Length == 0)
            {
                return 0;
            }

            var where = $"state IN ({names}) AND finished_at < $before";
            Execute(connection, $"DELETE FROM mailsender_outbox_recipients WHERE message_id IN (SELECT id FROM mailsender_outbox_messages WHERE {where})", ("$before", Ms(finishedBefore)));
            return Execute(connection, $"DELETE FROM mailsender_outbox_messages WHERE {where}", ("$before", Ms(finishedBefore)));
        }, cancellationToken);

    public Task<OutboxStatistics> GetStatisticsAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        ReadAsync(connection =>
        {
            var counts = OutboxStates.All.ToDictionary(s => s, _ => 0L);
            using (var command = Command(connection, "SELECT state, COUNT(*) FROM mailsender_outbox_messages GROUP BY state"))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    counts[OutboxStates.Parse(reader.GetString(0))] = reader.GetInt64(1);
                }
            }

            var oldest = Scalar(connection, "SELECT MIN(next_attempt_at) FROM mailsender_outbox_messages INDEXED BY mailsender_outbox_due WHERE state IN ('queued', 'deferred') AND next_attempt_at <= $now", ("$now", Ms(now)));
            return new OutboxStatistics
            {
                Counts = counts,
                OldestDueAge = oldest is long due ? now - FromMs(due) : TimeSpan.Zero,
            };
        }, cancellationToken);

    public Task<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken) =>
        ReadAsync(connection => Scalar(connection, "SELECT MIN(next_attempt_at) FROM mailsender_outbox_messages INDEXED BY mailsender_outbox_due WHERE state IN ('queued', 'deferred')") is long due ? FromMs(due) : (DateTimeOffset?)null, cancellationToken);

    public Task<long> CountSendingAsync(CancellationToken cancellationToken) =>
        ReadAsync(connection => (long)(Scalar(connection, "SELECT COUNT(*) FROM mailsender_outbox_messages WHERE state = 'sending'") ?? 0L), cancellationToken);

    public Task<int> TakePermitsAsync(string key, int wanted, int limit, TimeSpan window, CancellationToken cancellationToken) =>
        WriteAsync(connection =>
        {
            var windowMs = Math.Max(1L, (long)window.TotalMilliseconds);
            var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / windowMs * windowMs;
            Execute(connection, "INSERT INTO mailsender_outbox_rate (key, window_start, count) VALUES ($key, $start, 0) ON CONFLICT DO NOTHING", ("$key", key), ("$start", start));
            var used = (long)Scalar(connection, "SELECT count FROM mailsender_outbox_rate WHERE key = $key AND window_start = $start", ("$key", key), ("$start", start))!;
            var granted = (int)Math.Clamp(limit - used, 0, wanted);
            if (granted > 0)
            {
                Execute(connection, "UPDATE mailsender_outbox_rate SET count = count + $granted WHERE key = $key AND window_start = $start", ("$key", key), ("$start", start), ("$granted", granted));
            }

            Execute(connection, "DELETE FROM mailsender_outbox_rate WHERE key = $key AND window_start < $old", ("$key", key), ("$old", start - (16 * windowMs)));
            return granted;
        }, cancellationToken);

    public Task<int> MarkBouncedAsync(string messageId, string address, string? enhancedStatusCode, string? reply, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(connection =>
        {
            // The addresses are compared here, not with SQL's lower(), which folds ASCII only: the same ordinal
            // ignore-case comparison as the suppression list's. A Message-ID has few recipients.
            var matches = new List<(string Message, int Position)>();
            using (var select = Command(connection, """
                SELECT r.message_id, r.position, r.address FROM mailsender_outbox_recipients r
                WHERE r.state = 'sent' AND r.message_id IN (SELECT id FROM mailsender_outbox_messages WHERE message_id = $messageId)
                """))
            {
                select.Parameters.AddWithValue("$messageId", messageId);
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    if (OutboxStates.SameAddress(reader.GetString(2), address))
                    {
                        matches.Add((reader.GetString(0), reader.GetInt32(1)));
                    }
                }
            }

            var changed = 0;
            foreach (var (message, position) in matches)
            {
                changed += Execute(connection, """
                    UPDATE mailsender_outbox_recipients
                    SET state = 'bounced', status_code = NULL, enhanced_status_code = $status, reply = $reply, updated_at = $now
                    WHERE message_id = $id AND position = $position AND state = 'sent'
                    """, ("$status", enhancedStatusCode), ("$reply", reply), ("$now", Ms(now)), ("$id", message), ("$position", position));
            }

            foreach (var message in matches.Select(m => m.Message).Distinct(StringComparer.Ordinal))
            {
                Execute(connection, """
                    UPDATE mailsender_outbox_messages SET state = 'bounced'
                    WHERE id = $id AND state = 'sent'
                      AND NOT EXISTS (SELECT 1 FROM mailsender_outbox_recipients r WHERE r.message_id = $id AND r.state = 'sent')
                    """, ("$id", message));
            }

            return changed;
        }, cancellationToken);

    public Task<EmailSuppression?> FindSuppressionAsync(string address, string? list, CancellationToken cancellationToken) =>
        ReadAsync(connection =>
        {
            // The global entry ('') first: it applies to every list.
            using var command = Command(connection, """
                SELECT address, reason, list, detail, created_at FROM mailsender_suppressions
                WHERE address_key = $key AND list IN ('', $list) ORDER BY list = '' DESC LIMIT 1
                """);
            command.Parameters.AddWithValue("$key", OutboxStates.AddressKey(address));
            command.Parameters.AddWithValue("$list", list ?? string.Empty);
            using var reader = command.ExecuteReader();
            return reader.Read()
                ? new EmailSuppression(reader.GetString(0), OutboxStates.ParseReason(reader.GetString(1)), reader.GetString(2) is { Length: > 0 } found ? found : null)
                {
                    Detail = NullableString(reader, 3),
                    CreatedAt = FromMs(reader.GetInt64(4)),
                }
                : null;
        }, cancellationToken);

    public Task AddSuppressionAsync(EmailSuppression suppression, CancellationToken cancellationToken) =>
        WriteAsync(connection => Execute(connection, """
            INSERT INTO mailsender_suppressions (address_key, list, address, reason, detail, created_at)
            VALUES ($key, $list, $address, $reason, $detail, $created) ON CONFLICT DO NOTHING
            """,
            ("$key", OutboxStates.AddressKey(suppression.Address)),
            ("$list", suppression.List ?? string.Empty),
            ("$address", suppression.Address),
            ("$reason", OutboxStates.ReasonName(suppression.Reason)),
            ("$detail", suppression.Detail),
            ("$created", Ms(suppression.CreatedAt))), cancellationToken, singleStatement: true);

    public Task<bool> RemoveSuppressionAsync(string address, string? list, CancellationToken cancellationToken) =>
        WriteAsync(connection => Execute(connection, "DELETE FROM mailsender_suppressions WHERE address_key = $key AND list = $list",
            ("$key", OutboxStates.AddressKey(address)), ("$list", list ?? string.Empty)) == 1, cancellationToken, singleStatement: true);

    public Task<IAsyncDisposable?> ListenAsync(Action wake, CancellationToken cancellationToken) => Task.FromResult<IAsyncDisposable?>(null);

    public async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        CloseWriterConnection();
        SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
    }

    private void Initialize()
    {
        var directory = System.IO.Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
        {
            throw new EmailSendException(EmailErrorKind.Configuration, $"The outbox {Description} is in a folder that does not exist: {directory}.")
            {
                Hint = "Create the folder, or point MailSender:Outbox:Store (--outbox) at a file in an existing one.",
            };
        }

        try
        {
            using var connection = Open();

            // Persistent: once in WAL mode, the file stays in it for every later connection.
            Scalar(connection, "PRAGMA journal_mode = WAL");
            using var transaction = connection.BeginTransaction();
            var tables = new List<string>();
            using (var command = Command(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", transaction))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            if (tables.Contains("mailsender_outbox_schema"))
            {
                var version = Scalar(connection, "SELECT MAX(version) FROM mailsender_outbox_schema", transaction: transaction) as long?;
                if (version > SqliteSchema.Version)
                {
                    throw new EmailSendException(EmailErrorKind.Configuration, string.Create(CultureInfo.InvariantCulture, $"The outbox {Description} has schema version {version}, newer than this MailSender knows ({SqliteSchema.Version})."))
                    {
                        Hint = "Upgrade MailSender in this application, or point it at another file.",
                    };
                }

                if (version == SqliteSchema.Version)
                {
                    transaction.Commit();
                    return;
                }
            }
            else if (tables.Count > 0 && !_options.ShareDatabase)
            {
                throw new EmailSendException(EmailErrorKind.Configuration, $"The outbox {Description} is an SQLite database of something else (tables: {string.Join(", ", tables.Take(5))}{(tables.Count > 5 ? ", ..." : string.Empty)}); the outbox will not add its tables to it.")
                {
                    Hint = "Point MailSender:Outbox:Store at a new file; or, to enqueue in the application's own transactions, set MailSender:Outbox:ShareDatabase=true.",
                };
            }

            using (var command = Command(connection, SqliteSchema.Create, transaction))
            {
                command.ExecuteNonQuery();
            }

            Execute(connection, "DELETE FROM mailsender_outbox_schema; INSERT INTO mailsender_outbox_schema (version) VALUES ($v)", transaction, ("$v", SqliteSchema.Version));
            transaction.Commit();
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 26 or 11)
        {
            // SQLITE_NOTADB, SQLITE_CORRUPT
            throw new EmailSendException(EmailErrorKind.Configuration, $"The outbox {Description} is not an SQLite database, or it is corrupt ({ex.Message}).", ex)
            {
                Hint = "Point MailSender:Outbox:Store at another file. To rescue a corrupt outbox, try `sqlite3 FILE .recover`.",
            };
        }
        catch (SqliteException ex)
        {
            throw Map(ex, "open the outbox");
        }
    }

    private static (Guid Id, bool Created) Insert(SqliteConnection connection, NewMessage message, SqliteTransaction? transaction = null)
    {
        var inserted = Execute(connection, """
            INSERT INTO mailsender_outbox_messages
                (id, idempotency_key, sender_name, state, envelope_from, message_id, subject, size, body, created_at, next_attempt_at, trace_parent, trace_state)
            VALUES ($id, $key, $sender, 'queued', $from, $messageId, $subject, $size, $body, $created, $next, $traceParent, $traceState)
            ON CONFLICT (idempotency_key) DO NOTHING
            """, transaction,
            ("$id", Id(message.Id)), ("$key", message.IdempotencyKey), ("$sender", message.SenderName), ("$from", message.From), ("$messageId", message.MessageId),
            ("$subject", message.Subject), ("$size", message.Body.Length), ("$body", message.Body.ToArray()), ("$created", Ms(message.CreatedAt)),
            ("$next", Ms(message.NextAttemptAt)), ("$traceParent", message.TraceParent), ("$traceState", message.TraceState));
        if (inserted == 0)
        {
            var existing = (string)Scalar(connection, "SELECT id FROM mailsender_outbox_messages WHERE idempotency_key = $key", transaction, ("$key", message.IdempotencyKey))!;
            return (Guid.Parse(existing), false);
        }

        using var lease = Rent(connection, "INSERT INTO mailsender_outbox_recipients (message_id, position, address, state, updated_at) VALUES ($id, $position, $address, 'queued', $now)", transaction);
        var command = lease.Command;
        var position = command.Parameters.Add("$position", SqliteType.Integer);
        var address = command.Parameters.Add("$address", SqliteType.Text);
        command.Parameters.AddWithValue("$id", Id(message.Id));
        command.Parameters.AddWithValue("$now", Ms(message.CreatedAt));
        for (var i = 0; i < message.Recipients.Count; i++)
        {
            position.Value = i;
            address.Value = message.Recipients[i];
            command.ExecuteNonQuery();
        }

        return (message.Id, true);
    }

    private static List<ClaimedMessage> Claim(SqliteConnection connection, int max, DateTimeOffset now, TimeSpan leaseDuration, bool atLeastOnce)
    {
        var nowMs = Ms(now);
        const string Expired = "state = 'sending' AND lease_until <= $now";
        Execute(connection, $"""
            UPDATE mailsender_outbox_messages
            SET state = prior_state, next_attempt_at = $now, lease = NULL, lease_until = NULL, prior_state = NULL, prior_next_attempt_at = NULL, last_error = $why
            WHERE {Expired} AND final_write_at IS NULL
            """, ("$now", nowMs), ("$why", OutboxStates.ReclaimedBeforeFinalWrite));
        if (atLeastOnce)
        {
            Execute(connection, $"""
                UPDATE mailsender_outbox_messages
                SET state = 'deferred', next_attempt_at = $now, lease = NULL, lease_until = NULL, final_write_at = NULL, prior_state = NULL, prior_next_attempt_at = NULL, last_error = $why
                WHERE {Expired}
                """, ("$now", nowMs), ("$why", OutboxStates.ReclaimedAtLeastOnce));
        }
        else
        {
            Execute(connection, $"""
                UPDATE mailsender_outbox_recipients SET state = 'uncertain', reply = $why, updated_at = $now
                WHERE state IN ('queued', 'deferred') AND message_id IN (SELECT id FROM mailsender_outbox_messages WHERE {Expired})
                """, ("$now", nowMs), ("$why", OutboxStates.ReclaimedAfterFinalWrite));
            Execute(connection, $"""
                UPDATE mailsender_outbox_messages
                SET state = 'uncertain', finished_at = $now, lease = NULL, lease_until = NULL, prior_state = NULL, prior_next_attempt_at = NULL, last_error = $why, hint = $hint
                WHERE {Expired}
                """, ("$now", nowMs), ("$why", OutboxStates.ReclaimedAfterFinalWrite), ("$hint", OutboxStates.UncertainHint));
        }

        var token = Guid.NewGuid();
        var claimed = new List<ClaimedMessage>();

        // Each message holds its own list of pending recipients, filled in place by the second query.
        var pending = new Dictionary<string, List<(int, string)>>(StringComparer.Ordinal);
        using (var lease = Rent(connection, """
            UPDATE mailsender_outbox_messages
            SET prior_state = state, prior_next_attempt_at = next_attempt_at, state = 'sending', lease = $lease, lease_until = $until, attempts = attempts + 1
            WHERE id IN (SELECT id FROM mailsender_outbox_messages INDEXED BY mailsender_outbox_due WHERE state IN ('queued', 'deferred') AND next_attempt_at <= $now ORDER BY next_attempt_at, id LIMIT $max)
            RETURNING id, sender_name, envelope_from, body, attempts, created_at, trace_parent, trace_state
            """))
        {
            var command = lease.Command;
            command.Parameters.AddWithValue("$lease", Id(token));
            command.Parameters.AddWithValue("$until", Ms(now + leaseDuration));
            command.Parameters.AddWithValue("$now", nowMs);
            command.Parameters.AddWithValue("$max", max);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var recipients = new List<(int, string)>();
                pending[reader.GetString(0)] = recipients;
                claimed.Add(new ClaimedMessage
                {
                    Id = Guid.Parse(reader.GetString(0)),
                    Lease = token,
                    SenderName = reader.GetString(1),
                    From = reader.GetString(2),
                    Body = reader.IsDBNull(3) ? null : (byte[])reader.GetValue(3),
                    Attempts = reader.GetInt32(4),
                    CreatedAt = FromMs(reader.GetInt64(5)),
                    TraceParent = reader.IsDBNull(6) ? null : reader.GetString(6),
                    TraceState = reader.IsDBNull(7) ? null : reader.GetString(7),
                    Pending = recipients,
                });
            }
        }

        if (claimed.Count == 0)
        {
            return claimed;
        }

        // The recipients still to be sent to, of every message of this claim at once.
        using (var lease = Rent(connection, """
            SELECT r.message_id, r.position, r.address FROM mailsender_outbox_recipients r
            WHERE r.message_id IN (SELECT id FROM mailsender_outbox_messages INDEXED BY mailsender_outbox_leases WHERE state = 'sending' AND lease = $lease)
              AND r.state IN ('queued', 'deferred')
            ORDER BY r.message_id, r.position
            """))
        {
            lease.Command.Parameters.AddWithValue("$lease", Id(token));
            using var reader = lease.Command.ExecuteReader();
            while (reader.Read())
            {
                pending[reader.GetString(0)].Add((reader.GetInt32(1), reader.GetString(2)));
            }
        }

        claimed.Sort((a, b) => a.Id.CompareTo(b.Id));
        return claimed;
    }

    private static List<OutboxMessage> Query(SqliteConnection connection, string where, int limit, params (string Name, object? Value)[] parameters)
    {
        var messages = new List<OutboxMessage>();

        // Each message holds its own list, filled in place by the second query.
        var recipients = new Dictionary<string, (List<OutboxRecipient> List, bool Sending)>(StringComparer.Ordinal);
        using (var command = Command(connection, $"""
            SELECT m.id, m.state, m.message_id, m.subject, m.envelope_from, m.sender_name, m.idempotency_key, m.size, m.created_at,
                   CASE WHEN m.state = 'sending' THEN m.lease_until ELSE m.next_attempt_at END, m.attempts, m.last_error, m.last_status_code, m.hint,
                   m.finished_at, m.body IS NOT NULL
            FROM mailsender_outbox_messages m {where} LIMIT $limit
            """))
        {
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            command.Parameters.AddWithValue("$limit", limit);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var list = new List<OutboxRecipient>();
                var state = OutboxStates.Parse(reader.GetString(1));
                recipients[reader.GetString(0)] = (list, state == OutboxState.Sending);
                messages.Add(new OutboxMessage
                {
                    Id = Guid.Parse(reader.GetString(0)),
                    State = state,
                    MessageId = NullableString(reader, 2),
                    Subject = NullableString(reader, 3),
                    From = reader.GetString(4),
                    SenderName = reader.GetString(5),
                    IdempotencyKey = NullableString(reader, 6),
                    Size = reader.GetInt64(7),
                    CreatedAt = FromMs(reader.GetInt64(8)),
                    NextAttemptAt = reader.IsDBNull(9) ? null : FromMs(reader.GetInt64(9)),
                    Attempts = reader.GetInt32(10),
                    LastError = NullableString(reader, 11),
                    LastStatusCode = reader.IsDBNull(12) ? null : reader.GetInt32(12),
                    Hint = NullableString(reader, 13),
                    FinishedAt = reader.IsDBNull(14) ? null : FromMs(reader.GetInt64(14)),
                    HasBody = reader.GetBoolean(15),
                    Recipients = list,
                });
            }
        }

        if (messages.Count == 0)
        {
            return [];
        }

        // One query for all of them (at most 10,000 ids, within SQLite's 32,766 parameters).
        var ids = recipients.Keys.ToArray();
        using var query = Command(connection, $"""
            SELECT message_id, address, state, status_code, enhanced_status_code, reply, updated_at FROM mailsender_outbox_recipients
            WHERE message_id IN ({string.Join(", ", ids.Select((_, i) => "$m" + i.ToString(CultureInfo.InvariantCulture)))}) ORDER BY message_id, position
            """);
        for (var i = 0; i < ids.Length; i++)
        {
            query.Parameters.AddWithValue("$m" + i.ToString(CultureInfo.InvariantCulture), ids[i]);
        }

        using (var reader = query.ExecuteReader())
        {
            while (reader.Read())
            {
                var (list, sending) = recipients[reader.GetString(0)];
                var state = OutboxStates.Parse(reader.GetString(2));
                list.Add(new OutboxRecipient
                {
                    Address = reader.GetString(1),
                    State = sending && state is OutboxState.Queued or OutboxState.Deferred ? OutboxState.Sending : state,
                    StatusCode = reader.IsDBNull(3) ? null : reader.GetInt32(3),
                    EnhancedStatusCode = NullableString(reader, 4),
                    Reply = NullableString(reader, 5),
                    UpdatedAt = FromMs(reader.GetInt64(6)),
                });
            }
        }

        return messages;
    }

    private async Task<T> WriteAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken, bool singleStatement = false)
    {
        var write = new Write<T>(work, singleStatement);
        if (!_writes.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(SqliteOutboxStore), $"The outbox {Description} is closed.");
        }

        return await write.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> ReadAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            using var connection = Open();
            return work(connection);
        }
        catch (SqliteException ex)
        {
            throw Map(ex, "read the outbox");
        }
    }

    /// <summary>The group commit: every write pending when the loop comes round shares one transaction and one sync.</summary>
    private async Task WriteLoop()
    {
        var batch = new List<IWrite>(MaxBatch);
        while (await _writes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && _writes.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            RunBatch(batch);
            batch.Clear();
        }
    }

    private void RunBatch(List<IWrite> batch)
    {
        // Plain BEGIN IMMEDIATE and savepoints rather than SqliteTransaction objects, so the writes' commands need none.
        try
        {
            var connection = WriterConnection();
            Execute(connection, "BEGIN IMMEDIATE");
            try
            {
                foreach (var write in batch)
                {
                    // Each write of several statements in a savepoint: one that fails is undone alone, and the others
                    // still commit. A single statement is atomic by itself.
                    if (!write.SingleStatement)
                    {
                        Execute(connection, "SAVEPOINT w");
                    }

                    try
                    {
                        write.Run(connection);
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        if (!write.SingleStatement)
                        {
                            Execute(connection, "ROLLBACK TO w");
                        }

                        write.Fail(ex is SqliteException sqlite ? Map(sqlite, "write to the outbox") : ex);
                    }

                    if (!write.SingleStatement)
                    {
                        Execute(connection, "RELEASE w");
                    }
                }

                Execute(connection, "COMMIT");
            }
            catch
            {
                TryRollback(connection);
                throw;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Opened afresh for the next batch: after an I/O error or a full disk the connection may be unusable.
            CloseWriterConnection();
            var error = ex is SqliteException sqlite ? Map(sqlite, "commit to the outbox") : ex;
            foreach (var write in batch)
            {
                write.Fail(error);
            }
        }

        foreach (var write in batch)
        {
            write.Complete();
        }
    }

    private SqliteConnection WriterConnection()
    {
        if (_writerConnection is null)
        {
            _writerConnection = Open();
            PreparedCommands.Add(_writerConnection, new Dictionary<string, SqliteCommand>(StringComparer.Ordinal));
        }

        return _writerConnection;
    }

    private void CloseWriterConnection()
    {
        if (_writerConnection is not { } connection)
        {
            return;
        }

        _writerConnection = null;
        if (PreparedCommands.TryGetValue(connection, out var cache))
        {
            foreach (var command in cache.Values)
            {
                command.Dispose();
            }

            PreparedCommands.Remove(connection);
        }

        connection.Dispose();
    }

    private static void TryRollback(SqliteConnection connection)
    {
        try
        {
            Execute(connection, "ROLLBACK");
        }
        catch (SqliteException)
        {
            // Already rolled back by SQLite (a full disk or an I/O error ends the transaction itself).
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();

        // Per connection: FULL syncs the WAL at every commit (see the remarks); foreign keys for the recipients' cascade.
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";
        command.ExecuteNonQuery();
        return connection;
    }

    private EmailSendException Map(SqliteException ex, string what)
    {
        var (transient, hint) = ex.SqliteErrorCode switch
        {
            13 => (true, "The disk is full: free space where the outbox file is; nothing was half-written."),
            BusyErrors or 6 => (true, "Another process held the outbox's write lock for longer than the 30 s timeout."),
            10 or 14 => (true, "Check that the outbox file and its folder are readable and writable, and on a local disk (not a network share)."),
            8 => (false, "The outbox file is read-only for this process."),
            11 or 26 => (false, "The outbox file is corrupt or not a database."),
            _ => (false, (string?)null),
        };
        return new EmailSendException(EmailErrorKind.StorageFailed, $"Could not {what} {Description}: {ex.Message}", ex) { IsTransient = transient, Hint = hint };
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private static int Execute(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters) =>
        Execute(connection, sql, null, parameters);

    private static int Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        using var lease = Rent(connection, sql, transaction);
        foreach (var (name, value) in parameters)
        {
            lease.Command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return lease.Command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters) =>
        Scalar(connection, sql, null, parameters);

    private static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        using var lease = Rent(connection, sql, transaction);
        foreach (var (name, value) in parameters)
        {
            lease.Command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        var result = lease.Command.ExecuteScalar();
        return result is DBNull ? null : result;
    }

    /// <summary>
    /// A command for <paramref name="sql"/>: on the writer's connection, one kept per statement (SQLite prepares it once,
    /// not at every write); elsewhere a new one, disposed with the lease.
    /// </summary>
    private static CommandLease Rent(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        if (transaction is null && PreparedCommands.TryGetValue(connection, out var cache))
        {
            if (!cache.TryGetValue(sql, out var command))
            {
                cache[sql] = command = Command(connection, sql);
            }

            command.Parameters.Clear();
            return new CommandLease(command, cached: true);
        }

        return new CommandLease(Command(connection, sql, transaction), cached: false);
    }

    private static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static string Id(Guid id) => id.ToString("D");

    private static long Ms(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    private static long? Ms(DateTimeOffset? time) => time?.ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>A command from <see cref="Rent"/>: disposed after use unless it is kept for the writer's connection.</summary>
    private readonly struct CommandLease(SqliteCommand command, bool cached) : IDisposable
    {
        public SqliteCommand Command { get; } = command;

        public void Dispose()
        {
            if (!cached)
            {
                Command.Dispose();
            }
        }
    }

    private interface IWrite
    {
        bool SingleStatement { get; }

        void Run(SqliteConnection connection);

        void Complete();

        void Fail(Exception error);
    }

    private sealed class Write<T>(Func<SqliteConnection, T> work, bool singleStatement) : IWrite
    {
        public bool SingleStatement => singleStatement;

        private T? _result;
        private Exception? _error;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Run(SqliteConnection connection) => _result = work(connection);

        public void Fail(Exception error) => _error ??= error;

        public void Complete()
        {
            if (_error is not null)
            {
                Completion.TrySetException(_error);
            }
            else
            {
                Completion.TrySetResult(_result!);
            }
        }
    }
}
