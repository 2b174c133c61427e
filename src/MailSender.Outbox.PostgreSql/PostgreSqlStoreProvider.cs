using MailSender.Outbox.Storage;

namespace MailSender.Outbox.PostgreSql;

/// <summary>Opens <c>postgres:</c> stores (and <c>postgresql:</c>, which <c>StoreLocation</c> maps to it); registered by <c>AddPostgreSql</c>.</summary>
internal sealed class PostgreSqlStoreProvider : IOutboxStoreProvider
{
    public string Scheme => "postgres";

    // The store keeps the application's times as the worker passes them; it needs no clock of its own.
    public IOutboxStore Create(string location, OutboxOptions options, TimeProvider timeProvider) => new PostgreSqlOutboxStore(location, options);
}
