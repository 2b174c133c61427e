using Microsoft.Extensions.DependencyInjection;

namespace MailSender.Outbox;

/// <summary>Returned by <c>AddOutbox</c>, to add stores (such as PostgreSQL) to the outbox.</summary>
public interface IOutboxBuilder
{
    /// <summary>Gets the services the outbox is registered in.</summary>
    IServiceCollection Services { get; }
}
