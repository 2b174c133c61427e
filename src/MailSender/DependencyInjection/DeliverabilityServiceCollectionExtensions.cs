using MailSender;
using MailSender.Suppression;
using MailSender.Unsubscribe;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers one-click unsubscribe and the suppression list, for every sender of the container. See
/// docs/deliverability.md.
/// </summary>
public static class DeliverabilityServiceCollectionExtensions
{
    /// <summary>
    /// Adds one-click unsubscribe (RFC 8058): list mail (a message with a <c>List-Id</c>) gets <c>List-Unsubscribe</c>
    /// and <c>List-Unsubscribe-Post</c> with a signed token for its recipient, and <see cref="IUnsubscribeTokens"/>
    /// is registered for the endpoint that honours it. The options are checked at start-up.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets <see cref="UnsubscribeOptions"/>.</param>
    public static IServiceCollection AddOneClickUnsubscribe(this IServiceCollection services, Action<UnsubscribeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        AddUnsubscribeCore(services).Configure(configure);
        return services;
    }

    /// <summary>Adds one-click unsubscribe with <see cref="UnsubscribeOptions"/> bound from <paramref name="configuration"/> (the <c>MailSender:Unsubscribe</c> section).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The <c>MailSender:Unsubscribe</c> section.</param>
    public static IServiceCollection AddOneClickUnsubscribe(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        AddUnsubscribeCore(services).Bind(configuration, binder => binder.ErrorOnUnknownConfiguration = true);
        return services;
    }

    /// <summary>
    /// Adds the suppression check: list mail, and with <see cref="SuppressionOptions.CheckEverySend"/> all mail, to an
    /// address on the <see cref="IEmailSuppressionList"/> is refused before the wire (an <see cref="EmailSendException"/>
    /// of kind <see cref="EmailErrorKind.Vetoed"/> naming the address and the reason). Without a list registered
    /// before (e.g. the outbox's store), an in-memory one is used.
    /// </summary>
    /// <param name="services">The service collection.</param>
    public static IServiceCollection AddSuppressionList(this IServiceCollection services)
    {
        AddSuppressionCore(services);
        return services;
    }

    /// <summary>Adds the suppression check (see <see cref="AddSuppressionList(IServiceCollection)"/>) with options set in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets <see cref="SuppressionOptions"/>.</param>
    public static IServiceCollection AddSuppressionList(this IServiceCollection services, Action<SuppressionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        AddSuppressionCore(services).Configure(configure);
        return services;
    }

    /// <summary>Adds the suppression check with <see cref="SuppressionOptions"/> bound from <paramref name="configuration"/> (the <c>MailSender:Suppression</c> section).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The <c>MailSender:Suppression</c> section.</param>
    public static IServiceCollection AddSuppressionList(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        AddSuppressionCore(services).Bind(configuration, binder => binder.ErrorOnUnknownConfiguration = true);
        return services;
    }

    private static OptionsBuilder<UnsubscribeOptions> AddUnsubscribeCore(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UnsubscribeOptions>, UnsubscribeOptionsValidation>());
        services.TryAddSingleton<IUnsubscribeTokens>(provider => new HmacUnsubscribeTokens(
            provider.GetRequiredService<IOptions<UnsubscribeOptions>>().Value, provider.GetRequiredService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEmailInterceptor, ListUnsubscribeInterceptor>());
        return services.AddOptions<UnsubscribeOptions>().ValidateOnStart();
    }

    private static OptionsBuilder<SuppressionOptions> AddSuppressionCore(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IEmailSuppressionList, InMemoryEmailSuppressionList>();

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEmailInterceptor, SuppressionInterceptor>());
        return services.AddOptions<SuppressionOptions>();
    }
}
