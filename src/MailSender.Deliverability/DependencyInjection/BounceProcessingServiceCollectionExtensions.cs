using MailSender;
using MailSender.Deliverability;
using MailSender.Deliverability.Processing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers bounce processing: the <see cref="BounceProcessor"/> and a background service that runs it on a schedule.</summary>
public static class BounceProcessingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="BounceProcessor"/> (with the suppression list of <c>AddSuppressionList</c>, in memory unless
    /// another is registered, and every registered <see cref="IBounceReportHandler"/>) and a hosted service that processes
    /// the configured source at start-up and then every <see cref="BounceProcessingOptions.Interval"/>. The options are
    /// checked at start-up.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the source and the interval.</param>
    public static IServiceCollection AddBounceProcessing(this IServiceCollection services, Action<BounceProcessingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(services).Configure(configure);
        return services;
    }

    /// <summary>Adds bounce processing (see <see cref="AddBounceProcessing(IServiceCollection, Action{BounceProcessingOptions})"/>) with options bound from <paramref name="configuration"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The <c>MailSender:Bounces</c> section.</param>
    public static IServiceCollection AddBounceProcessing(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        AddCore(services).Bind(configuration, binder => binder.ErrorOnUnknownConfiguration = true);
        return services;
    }

    private static OptionsBuilder<BounceProcessingOptions> AddCore(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSuppressionList();
        services.TryAddSingleton(TimeProvider.System);
        // A factory, not the constructor DI would pick: without logging registered it would choose the short constructor
        // and leave the handlers out.
        services.TryAddSingleton(provider => new BounceProcessor(
            provider.GetRequiredService<IEmailSuppressionList>(),
            provider.GetServices<IBounceReportHandler>(),
            provider.GetService<Microsoft.Extensions.Logging.ILogger<BounceProcessor>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BounceProcessingOptions>, BounceProcessingOptionsValidation>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, BounceProcessingService>());
        return services.AddOptions<BounceProcessingOptions>().ValidateOnStart();
    }
}
