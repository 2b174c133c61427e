using MailSender;
using MailSender.Testing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Swaps an application's mail transports for <see cref="InMemoryEmailTransport"/> in tests.
/// </summary>
public static class MailSenderTestingServiceCollectionExtensions
{
    /// <summary>
    /// Makes every sender registered with <c>AddMailSender</c> (default and named) record
    /// messages in one shared <see cref="InMemoryEmailTransport"/> instead of sending them, and enables the <c>memory:</c> transport URI.
    /// Retries happen without delay (<see cref="InMemoryRetries.Immediate"/>).
    /// </summary>
    /// <remarks>Call it after the application registered its senders (e.g. in <c>ConfigureTestServices</c>): it removes transports registered in code with <c>UseTransport</c>.</remarks>
    /// <param name="services">The application's services, e.g. in <c>WebApplicationFactory.ConfigureTestServices</c>.</param>
    /// <returns>The service collection; resolve <see cref="InMemoryEmailTransport"/> from the provider to inspect what was sent.</returns>
    public static IServiceCollection AddInMemoryEmailTransport(this IServiceCollection services) =>
        AddInMemoryEmailTransport(services, static _ => { });

    /// <summary>
    /// Makes every sender registered with <c>AddMailSender</c> record messages in one shared <see cref="InMemoryEmailTransport"/>,
    /// with the retry behaviour <paramref name="configure"/> chooses, e.g. <c>o =&gt; o.Retries = InMemoryRetries.Off</c>.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets the options; a later call's settings win.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddInMemoryEmailTransport(this IServiceCollection services, Action<InMemoryEmailTransportOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(configure);

        // Transports registered in code with UseTransport win over the URI: remove them (again, on a repeated call).
        services.RemoveAll(d => d.ServiceType == typeof(IEmailTransport));
        if (services.Any(d => d.ServiceType == typeof(InMemoryEmailTransport)))
        {
            return services;
        }

        // A TimeProvider the test registered (e.g. a fake clock) stamps SentEmail.SentAt.
        services.AddSingleton(provider => new InMemoryEmailTransport(provider.GetService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEmailTransportFactory, InMemoryTransportFactory>());
        services.PostConfigureAll<MailSenderOptions>(options => options.Transport = "memory:");
        services.AddSingleton<IPostConfigureOptions<MailSenderOptions>, TestRetries>();
        return services;
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

        public void Validate(TransportUri uri, EmailTransportContext context)
        {
            ArgumentNullException.ThrowIfNull(uri);
            if (uri.Parameters.Count > 0 || uri.Host is not null || uri.Path is not null)
            {
                throw new EmailSendException(EmailErrorKind.Configuration, "Invalid transport URI: memory: takes no host, path or options.");
            }
        }

        public IEmailTransport Create(TransportUri uri, EmailTransportContext context)
        {
            Validate(uri, context);
            return new SharedTransport(transport);
        }
    }

    /// <summary>
    /// Applies <see cref="InMemoryEmailTransportOptions.Retries"/> to every sender, after the application's own settings: a
    /// failure path in a test should take milliseconds, not the seconds of the production back-off.
    /// </summary>
    private sealed class TestRetries(IOptions<InMemoryEmailTransportOptions> testOptions) : IPostConfigureOptions<MailSenderOptions>
    {
        public void PostConfigure(string? name, MailSenderOptions options)
        {
            var retry = options.Resilience.Retry;
            switch (testOptions.Value.Retries)
            {
                case InMemoryRetries.Off:
                    retry.Enabled = false;
                    break;
                case InMemoryRetries.Immediate:
                    retry.Delay = TimeSpan.Zero;
                    retry.MaxDelay = null;
                    retry.UseJitter = false;
                    retry.ThrottledDelay = TimeSpan.Zero;
                    retry.DelayGenerator = static _ => ValueTask.FromResult<TimeSpan?>(TimeSpan.Zero);
                    break;
            }
        }
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
