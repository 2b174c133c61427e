using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using MailSender;
using MailSender.DependencyInjection;
using MailSender.Diagnostics;
using MailSender.Dkim;
using MailSender.Pickup;
using MailSender.Smtp;
using MailSender.Smtp.Detection;
using MailSender.Smtp.Direct;
using MailSender.Smtp.Protocol;
using MailSender.Smtp.Providers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers MailSender in an <see cref="IServiceCollection"/>.
/// </summary>
public static class MailSenderServiceCollectionExtensions
{
    /// <summary>Registers the default <see cref="IEmailSender"/>, configured in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options, e.g. <c>o =&gt; o.Transport = "smtp://smtp.example.com"</c>.</param>
    /// <returns>A builder for further steps.</returns>
    public static IMailSenderBuilder AddMailSender(this IServiceCollection services, Action<MailSenderOptions> configure) =>
        AddMailSender(services, Options.Options.DefaultName, configure);

    /// <summary>Registers a named <see cref="IEmailSender"/>, configured in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The sender's name, used as the service key and with <see cref="IEmailSenderFactory"/>.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder for further steps.</returns>
    public static IMailSenderBuilder AddMailSender(this IServiceCollection services, string name, Action<MailSenderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = AddCore(services, name);
        services.Configure(name, configure);
        return builder;
    }

    /// <summary>Registers the default <see cref="IEmailSender"/>, bound to a configuration section (e.g. <c>configuration.GetSection("MailSender")</c>).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section holding <c>Transport</c>, <c>DefaultFrom</c>, <c>Password</c> and the other options.</param>
    /// <returns>A builder for further steps.</returns>
    public static IMailSenderBuilder AddMailSender(this IServiceCollection services, IConfiguration configuration) =>
        AddMailSender(services, Options.Options.DefaultName, configuration);

    /// <summary>Registers a named <see cref="IEmailSender"/>, bound to a configuration section.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The sender's name.</param>
    /// <param name="configuration">The section holding the options.</param>
    /// <returns>A builder for further steps.</returns>
    /// <remarks>
    /// Binding is source-generated (no reflection over the options), so it works in trimmed and Native AOT applications.
    /// A key the options do not have (a typo, or a key renamed before 1.0, docs/configuration.md) fails start-up naming
    /// it, as an unknown transport URI option does, rather than being ignored.
    /// </remarks>
    public static IMailSenderBuilder AddMailSender(this IServiceCollection services, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = AddCore(services, name);
        services.AddOptions<MailSenderOptions>(name).Bind(new CompanionSections(configuration), binder => binder.ErrorOnUnknownConfiguration = true);
        return builder;
    }

    private static MailSenderBuilder AddCore(IServiceCollection services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);

        services.AddOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => MailSenderTelemetry.Create(provider.GetService<IMeterFactory>(), provider.GetService<ILoggerFactory>()));
        services.TryAddSingleton<TlsHistory>();
        services.TryAddSingleton<TrustStore>();
        services.TryAddSingleton<DkimSigners>();
        services.TryAddSingleton<SmtpConnector>();
        services.TryAddSingleton<IKnownEndpointSource, ProviderKnownEndpoints>();
        services.TryAddSingleton<ISrvResolver, DnsSrvResolver>();
        services.TryAddSingleton<ISmtpEndpointDetector, SmtpEndpointDetector>();
        services.TryAddSingleton<DetectedEndpointCache>();
        services.TryAddSingleton(provider => new SmtpTransportServices(
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<TlsHistory>(),
            provider.GetRequiredService<DetectedEndpointCache>(),
            provider.GetRequiredService<TrustStore>(),
            provider.GetRequiredService<SmtpConnector>(),
            provider.GetRequiredService<MailSenderTelemetry>(),
            provider));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEmailTransportFactory, SmtpTransportFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEmailTransportFactory, PickupTransportFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEmailTransportFactory, DirectTransportFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEmailTransportFactory, RelayTransportFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<MailSenderOptions>, ProviderPresetLimits>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MailSenderOptions>, MailSenderOptionsValidation>());
        services.TryAddSingleton<TransportResolver>();
        services.TryAddSingleton<IEmailSenderFactory, EmailSenderFactory>();

        if (!services.Any(d => d.ServiceType == typeof(MailSenderRegistration) && d.ImplementationInstance is MailSenderRegistration r && r.Name == name))
        {
            services.AddSingleton(new MailSenderRegistration(name));
            services.AddOptions<MailSenderOptions>(name).ValidateOnStart();
            services.AddKeyedSingleton<IEmailSender>(name, (provider, _) => provider.GetRequiredService<IEmailSenderFactory>().GetSender(name));
            if (name.Length == 0)
            {
                services.TryAddSingleton<IEmailSender>(provider => provider.GetRequiredService<IEmailSenderFactory>().GetSender(Options.Options.DefaultName));
            }
        }

        return new MailSenderBuilder(name, services);
    }
}
