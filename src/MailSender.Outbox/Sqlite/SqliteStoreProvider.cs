using MailSender.Outbox.Storage;

namespace MailSender.Outbox.Sqlite;

/// <summary>Opens <c>sqlite:PATH</c> stores (a relative path is relative to the current directory).</summary>
internal sealed class SqliteStoreProvider : IOutboxStoreProvider
{
    public string Scheme => "sqlite";

    public IOutboxStore Create(string location, OutboxOptions options, TimeProvider timeProvider)
    {
        if (location.StartsWith("//", StringComparison.Ordinal))
        {
            // sqlite:///var/lib/app/outbox.db, as in URI form.
            location = location[2..];
        }

        return new SqliteOutboxStore(location, options);
    }
}
