using MailSender.Outbox;
using MailSender.Outbox.PostgreSql;
using MailSender.Outbox.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the PostgreSQL store to the outbox.</summary>
public static class PostgreSqlOutboxBuilderExtensions
{
    /// <summary>
    /// Lets the outbox keep its messages in PostgreSQL: <c>MailSender:Outbox:Store</c> set to <c>postgres:Host=...;Database=...</c>
    /// (an Npgsql connection string) or <c>postgres://user:password@host:5432/database?sslmode=require</c>. Every process
    /// that uses the same database (and schema) shares one outbox: each message is delivered by one of them.
    /// </summary>
    /// <param name="builder">What <c>AddOutbox</c> returned.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IOutboxBuilder AddPostgreSql(this IOutboxBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutboxStoreProvider, PostgreSqlStoreProvider>());
        return builder;
    }
}
