namespace MailSender.Outbox.PostgreSql;

/// <summary>
/// The outbox's tables in PostgreSQL (docs/outbox.md shows them): the same tables, columns and partial indexes as
/// <c>SqliteSchema</c>, with native types. Tables are created unqualified, so in the first schema of the connection's
/// <c>search_path</c> (<c>public</c> by default; set <c>Search Path</c> in the connection string to use another).
/// </summary>
internal static class PostgreSqlSchema
{
    /// <summary>The version this code writes; a database with a newer one is refused.</summary>
    public const int Version = 2;

    // Version 2 added mailsender_suppressions and the state 'bounced'; the CREATE ... IF NOT EXISTS script below upgrades
    // a version 1 database in place (its tables are kept as they are).

    /// <summary>The channel every enqueue notifies (delivered when its transaction commits) and workers LISTEN on.</summary>
    public const string Channel = "mailsender_outbox";

    /// <summary>
    /// The notification: its payload is the schema of the outbox's tables, because channels are per database and several
    /// outboxes may share one in different schemas; a listener ignores the others' (and wakes for an empty payload).
    /// </summary>
    public const string Notify = $"SELECT pg_notify('{Channel}', coalesce(current_schema(), ''))";

    /// <summary>Gets the schema whose notifications are this outbox's (before <see cref="Listen"/>).</summary>
    public const string CurrentSchema = "SELECT coalesce(current_schema(), '')";

    public const string Listen = $"LISTEN {Channel}";

    /// <summary>
    /// Serialises the creation between processes that start at once (CREATE TABLE IF NOT EXISTS is not safe against a
    /// concurrent one); the lock is per database and schema and ends with the transaction.
    /// </summary>
    public const string Lock = "SELECT pg_advisory_xact_lock(hashtext('mailsender_outbox_schema:' || coalesce(current_schema(), '')))";

    /// <summary>Tells whether the schema table exists (where <c>search_path</c> finds it).</summary>
    public const string Exists = "SELECT to_regclass('mailsender_outbox_schema') IS NOT NULL";

    /// <summary>Gets the version stored (null when the table is empty).</summary>
    public const string ReadVersion = "SELECT max(version) FROM mailsender_outbox_schema";

    public const string Create = """
        CREATE TABLE IF NOT EXISTS mailsender_outbox_schema (version integer NOT NULL);
        CREATE TABLE IF NOT EXISTS mailsender_outbox_messages (
            id uuid NOT NULL PRIMARY KEY,
            idempotency_key text UNIQUE,
            sender_name text NOT NULL,
            state text NOT NULL,
            prior_state text,
            envelope_from text NOT NULL,
            message_id text,
            subject text,
            size integer NOT NULL,
            body bytea,
            created_at timestamptz NOT NULL,
            next_attempt_at timestamptz,
            prior_next_attempt_at timestamptz,
            attempts integer NOT NULL DEFAULT 0,
            lease uuid,
            lease_until timestamptz,
            final_write_at timestamptz,
            last_error text,
            last_status_code integer,
            hint text,
            finished_at timestamptz,
            trace_parent text,
            trace_state text
        );
        CREATE INDEX IF NOT EXISTS mailsender_outbox_due ON mailsender_outbox_messages (next_attempt_at, id) WHERE state IN ('queued', 'deferred');
        CREATE INDEX IF NOT EXISTS mailsender_outbox_leases ON mailsender_outbox_messages (lease_until) WHERE state = 'sending';
        CREATE INDEX IF NOT EXISTS mailsender_outbox_finished ON mailsender_outbox_messages (finished_at) WHERE finished_at IS NOT NULL;
        CREATE INDEX IF NOT EXISTS mailsender_outbox_state ON mailsender_outbox_messages (state, created_at);
        CREATE TABLE IF NOT EXISTS mailsender_outbox_recipients (
            message_id uuid NOT NULL REFERENCES mailsender_outbox_messages (id) ON DELETE CASCADE,
            position integer NOT NULL,
            address text NOT NULL,
            state text NOT NULL,
            status_code integer,
            enhanced_status_code text,
            reply text,
            updated_at timestamptz NOT NULL,
            PRIMARY KEY (message_id, position)
        );
        CREATE TABLE IF NOT EXISTS mailsender_outbox_rate (
            key text NOT NULL,
            window_start bigint NOT NULL,
            count integer NOT NULL,
            PRIMARY KEY (key, window_start)
        );
        CREATE INDEX IF NOT EXISTS mailsender_outbox_message_id ON mailsender_outbox_messages (message_id) WHERE message_id IS NOT NULL;
        CREATE TABLE IF NOT EXISTS mailsender_suppressions (
            address_key text NOT NULL,
            list text NOT NULL,
            address text NOT NULL,
            reason text NOT NULL,
            detail text,
            created_at timestamptz NOT NULL,
            PRIMARY KEY (address_key, list)
        );
        """;

    /// <summary>Records the version (after <see cref="Create"/>, in the same transaction).</summary>
    public const string WriteVersion = "DELETE FROM mailsender_outbox_schema; INSERT INTO mailsender_outbox_schema (version) VALUES (@version)";
}
