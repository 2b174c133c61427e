using MailSender.Resilience.Internal;
using Microsoft.Extensions.DependencyInjection;
using Polly;

namespace MailSender;

/// <summary>
/// Further configuration steps for a sender registered with <c>AddMailSender</c>.
/// </summary>
public static class MailSenderBuilderExtensions
{
    /// <summary>Sends through a transport you create in code instead of the <c>Transport</c> URI.</summary>
    /// <param name="builder">The sender's builder.</param>
    /// <param name="factory">Creates the transport; it is registered as a keyed singleton owned by the container.</param>
    /// <returns>The builder.</returns>
    public static IMailSenderBuilder UseTransport(this IMailSenderBuilder builder, Func<IServiceProvider, IEmailTransport> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddKeyedSingleton(builder.Name, (provider, _) => factory(provider));
        return builder;
    }

    /// <summary>Sets more options for this sender.</summary>
    /// <param name="builder">The sender's builder.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The builder.</returns>
    public static IMailSenderBuilder Configure(this IMailSenderBuilder builder, Action<MailSenderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure(builder.Name, configure);
        return builder;
    }

    /// <summary>Adds strategies to this sender's resilience pipeline, e.g. telemetry, a hedging or chaos strategy, or your own retry.</summary>
    /// <param name="builder">The sender's builder.</param>
    /// <param name="configure">Called with the pipeline builder after the built-in strategies were added (so what it adds runs inside them, around each attempt), and the service provider.</param>
    /// <returns>The builder.</returns>
    /// <remarks>
    /// To replace the built-in strategies instead, set <see cref="ResilienceOptions.Enabled"/> to <see langword="false"/>: the pipeline then holds
    /// only what <paramref name="configure"/> adds. Recipients deferred with a 4xx reply are still retried alone when a strategy you add retries
    /// a <see cref="SendResult"/> for which <see cref="EmailResiliencePredicates.IsTransient(Outcome{SendResult})"/> holds.
    /// </remarks>
    public static IMailSenderBuilder ConfigureResilience(this IMailSenderBuilder builder, Action<ResiliencePipelineBuilder<SendResult>, IServiceProvider> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddSingleton(new ResilienceConfiguration(builder.Name, configure));
        return builder;
    }
}
