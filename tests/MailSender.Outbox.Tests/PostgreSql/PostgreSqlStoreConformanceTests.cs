using MailSender.Outbox.PostgreSql;
using MailSender.Outbox.Storage;

namespace MailSender.Outbox.Tests.PostgreSql;

/// <summary>The conformance suite on PostgreSQL: every store in a fresh schema of the scratch database, dropped afterwards.</summary>
public sealed class PostgreSqlStoreConformanceTests : StoreConformanceTests, IDisposable
{
    private readonly List<PostgresSchema> _schemas = [];

    // After IAsyncLifetime.DisposeAsync has closed the stores.
    public void Dispose()
    {
        foreach (var schema in _schemas)
        {
            schema.Dispose();
        }
    }

    internal override async Task<IOutboxStore> CreateStoreAsync(OutboxOptions options)
    {
        var schema = await PostgresServer.Require().CreateSchemaAsync();
        _schemas.Add(schema);
        return new PostgreSqlOutboxStore(schema.ConnectionString, options);
    }
}
