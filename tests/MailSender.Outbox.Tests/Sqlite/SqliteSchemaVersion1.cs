namespace MailSender.Outbox.Tests.Sqlite;

/// <summary>
/// A SQLite outbox database as version 1 of MailSender wrote it: its script verbatim (SqliteSchema/PostgreSqlSchema
/// before commit 31219e6, when version 2 added the suppression table), and rows as version 1 stored them. Kept here,
/// not derived from today's script, so the upgrade test starts from what is really on users' disks.
/// </summary>
internal static class SqliteSchemaVersion1
{
    public const string MessageId = "v1-message@example.com";

    public const string Create = """
        CREATE TABLE IF NOT EXISTS mailsender_outbox_schema (version INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS mailsender_outbox_messages (
            id TEXT NOT NULL PRIMARY KEY,
            idempotency_key TEXT UNIQUE,
            sender_name TEXT NOT NULL,
            state TEXT NOT NULL,
            prior_state TEXT,
            envelope_from TEXT NOT NULL,
            message_id TEXT,
            subject TEXT,
            size INTEGER NOT NULL,
            body BLOB,
            created_at INTEGER NOT NULL,
            next_attempt_at INTEGER,
            prior_next_attempt_at INTEGER,
            attempts INTEGER NOT NULL DEFAULT 0,
            lease TEXT,
            lease_until INTEGER,
            final_write_at INTEGER,
            last_error TEXT,
            last_status_code INTEGER,
            hint TEXT,
            finished_at INTEGER,
            trace_parent TEXT,
            trace_state TEXT
        );
        CREATE INDEX IF NOT EXISTS mailsender_outbox_due ON mailsender_outbox_messages (next_attempt_at, id) WHERE state IN ('queued', 'deferred');
        CREATE INDEX IF NOT EXISTS mailsender_outbox_leases ON mailsender_outbox_messages (lease_until) WHERE state = 'sending';
        CREATE INDEX IF NOT EXISTS mailsender_outbox_finished ON mailsender_outbox_messages (finished_at) WHERE finished_at IS NOT NULL;
        CREATE INDEX IF NOT EXISTS mailsender_outbox_state ON mailsender_outbox_messages (state, created_at);
        CREATE TABLE IF NOT EXISTS mailsender_outbox_recipients (
            message_id TEXT NOT NULL REFERENCES mailsender_outbox_messages (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            address TEXT NOT NULL,
            state TEXT NOT NULL,
            status_code INTEGER,
            enhanced_status_code TEXT,
            reply TEXT,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (message_id, position)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS mailsender_outbox_rate (
            key TEXT NOT NULL,
            window_start INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (key, window_start)
        ) WITHOUT ROWID;
        """;

    /// <summary>A message sent to two recipients, and one still queued (ids fixed; times in the store's own format).</summary>
    public const string Rows = """
        INSERT INTO mailsender_outbox_schema (version) VALUES (1);
        INSERT INTO mailsender_outbox_messages (id, sender_name, state, envelope_from, message_id, subject, size, body, created_at, next_attempt_at, attempts, finished_at)
        VALUES ('0193a0f0-0000-7000-8000-000000000001', '', 'sent', 'news@example.com', 'v1-message@example.com', 'Sent in version 1', 42, NULL, 1764849600000, NULL, 1, 1764849605000),
               ('0193a0f0-0000-7000-8000-000000000002', '', 'queued', 'news@example.com', 'v1-queued@example.com', 'Queued in version 1', 42, X'48656C6C6F', 1764849600000, 1764849600000, 0, NULL);
        INSERT INTO mailsender_outbox_recipients (message_id, position, address, state, status_code, enhanced_status_code, reply, updated_at)
        VALUES ('0193a0f0-0000-7000-8000-000000000001', 0, 'ann@example.com', 'sent', 250, '2.0.0', 'ok', 1764849605000),
               ('0193a0f0-0000-7000-8000-000000000001', 1, 'bob@example.com', 'sent', 250, '2.0.0', 'ok', 1764849605000),
               ('0193a0f0-0000-7000-8000-000000000002', 0, 'cat@example.com', 'queued', NULL, NULL, NULL, 1764849600000);
        """;
}
