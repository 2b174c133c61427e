using MailSender.Outbox.PostgreSql;
using MailSender.Outbox.Tests.Suppression;
using Microsoft.Extensions.DependencyInjection;

namespace MailSender.Outbox.Tests.PostgreSql;

/// <summary>The outbox's list on PostgreSQL (a fresh schema of the scratch database per list, dropped afterwards).</summary>
public sealed class PostgreSqlSuppressionListConformanceTests : SuppressionListConformanceTests
{
    private readonly List<PostgresSchema> _schemas = [];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var schema in _schemas)
        {
            await schema.DisposeAsync();
        }
    }

    private protected override async Task RegisterAsync(IServiceCollection services, string pickupFolder)
    {
        var schema = await PostgresServer.Require().CreateSchemaAsync();
        _schemas.Add(schema);
        services.AddMailSender(o => o.Transport = "pickup:" + pickupFolder)
            .AddOutbox(o => o.Store = schema.Store)
            .AddPostgreSql()
            .AddSuppressionList();
    }
}
