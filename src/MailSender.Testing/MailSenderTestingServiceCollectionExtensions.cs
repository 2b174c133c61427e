using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MailSender.Testing;

/// <summary>
/// Swaps an application's mail transports for <see cref="InMemoryEmailTransport"/> in tests.
/// </summary>
public static class MailSenderTestingServiceCollectionExtensions
{
    /// <summary>
    /// Makes every sender registered with <c>AddMailSender</c> (default and named) record
    /// messages in one shared <see cref="InMemoryEmailTransport"/> instead of sending them, and enables the <c>memory:</c> transport URI.
    /// </summary>
    /// <remarks>Call it after the application registered its senders (e.g. in <c>ConfigureTestServices</c>): it removes transports registered in code with <c>UseTransport</c>.</remarks>
    /// <param name="services">The application's services, e.g. in <c>WebApplicationFactory.ConfigureTestServices</c>.</param>
    /// <returns>The shared transport, to inspect what was sent.</returns>
    public static InMemoryEmailTransport AddInMemoryEmailTransport(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        // Transports registered in code with UseTransport win over the URI: remove them (again, on a repeated call).
        services.RemoveAll(d => d.ServiceType == typeof(IEmailTransport));
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(InMemoryEmailTransport) && d.ImplementationInstance is not null);
        if (existing?.ImplementationInstance is InMemoryEmailTransport registered)
        {
            return registered;
        }

        var transport = new InMemoryEmailTransport();
        services.AddSingleton(transport);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEmailTransportFactory, InMemoryTransportFactory>());
        services.PostConfigureAll<MailSenderOptions>(options => options.Transport = "memory:");
        return transport;
    }

    private static void RemoveAll(this IServiceCollection services, Func<ServiceDescriptor, bool> predicate)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (predicate(services[i]))
            {
                services.RemoveAt(i);
            }
        }
    }

    private sealed class InMemoryTransportFactory(InMemoryEmailTransport transport) : IEmailTransportFactory
    {
        public IReadOnlyCollection<string> Schemes { get; } = ["memory"];

        public IEmailTransport Create(TransportUri uri, MailSenderOptions options) => new SharedTransport(transport);
    }

    /// <summary>Hands the shared transport to a sender without letting the sender dispose it.</summary>
    private sealed class SharedTransport(InMemoryEmailTransport inner) : IVerifiableEmailTransport
    {
        public string Name => inner.Name;

        public Task VerifyAsync(CancellationToken cancellationToken = default) => inner.VerifyAsync(cancellationToken);

        public Task<SendResult> SendAsync(MimeKit.MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default) =>
            inner.SendAsync(message, envelope, cancellationToken);
    }
}
