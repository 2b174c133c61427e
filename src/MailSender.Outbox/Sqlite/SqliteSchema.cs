namespace MailSender.Outbox.Sqlite;

/// <summary>The outbox's tables in SQLite (docs/outbox.md shows them). Times are Unix milliseconds, states lower-case names.</summary>
internal static class SqliteSchema
{
    /// <summary>The version this code writes; a database with a newer one is refused.</summary>
    public const int Version = 2;

    // Version 2 added mailsender_suppressions and the state 'bounced'; the CREATE ... IF NOT EXISTS script below upgrades
    // a version 1 database in place (its tables are kept as they are).

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
        CREATE INDEX IF NOT EXISTS mailsender_outbox_message_id ON mailsender_outbox_messages (message_id) WHERE message_id IS NOT NULL;
        CREATE TABLE IF NOT EXISTS mailsender_suppressions (
            address_key TEXT NOT NULL,
            list TEXT NOT NULL,
            address TEXT NOT NULL,
            reason TEXT NOT NULL,
            detail TEXT,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (address_key, list)
        ) WITHOUT ROWID;
        """;
}
