namespace MailSender.Outbox.Tests.PostgreSql;

/// <summary>
/// A PostgreSQL outbox database as version 1 of MailSender wrote it: its script verbatim (SqliteSchema/PostgreSqlSchema
/// before commit 31219e6, when version 2 added the suppression table), and rows as version 1 stored them. Kept here,
/// not derived from today's script, so the upgrade test starts from what is really on users' disks.
/// </summary>
internal static class PostgreSqlSchemaVersion1
{
    public const string MessageId = "v1-message@example.com";

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
        """;

    /// <summary>A message sent to two recipients, and one still queued (ids fixed; times in the store's own format).</summary>
    public const string Rows = """
        INSERT INTO mailsender_outbox_schema (version) VALUES (1);
        INSERT INTO mailsender_outbox_messages (id, sender_name, state, envelope_from, message_id, subject, size, body, created_at, next_attempt_at, attempts, finished_at)
        VALUES ('0193a0f0-0000-7000-8000-000000000001', '', 'sent', 'news@example.com', 'v1-message@example.com', 'Sent in version 1', 42, NULL, '2025-12-04 12:00:00+00', NULL, 1, '2025-12-04 12:00:05+00'),
               ('0193a0f0-0000-7000-8000-000000000002', '', 'queued', 'news@example.com', 'v1-queued@example.com', 'Queued in version 1', 42, '\x48656c6c6f'::bytea, '2025-12-04 12:00:00+00', '2025-12-04 12:00:00+00', 0, NULL);
        INSERT INTO mailsender_outbox_recipients (message_id, position, address, state, status_code, enhanced_status_code, reply, updated_at)
        VALUES ('0193a0f0-0000-7000-8000-000000000001', 0, 'ann@example.com', 'sent', 250, '2.0.0', 'ok', '2025-12-04 12:00:05+00'),
               ('0193a0f0-0000-7000-8000-000000000001', 1, 'bob@example.com', 'sent', 250, '2.0.0', 'ok', '2025-12-04 12:00:05+00'),
               ('0193a0f0-0000-7000-8000-000000000002', 0, 'cat@example.com', 'queued', NULL, NULL, NULL, '2025-12-04 12:00:00+00');
        """;
}
