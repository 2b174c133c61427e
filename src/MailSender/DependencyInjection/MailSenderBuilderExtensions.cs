using System.Diagnostics.CodeAnalysis;
using MailSender;
using MailSender.DependencyInjection;
using MailSender.Smtp;
using MailSender.Smtp.Providers;
using Polly;

namespace Microsoft.Extensions.DependencyInjection;

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

    /// <summary>Sends through a provider preset (e.g. <c>sendgrid</c>, <c>mailgun</c>, <c>ses</c>): the same as <c>Transport = "relay://ID"</c>.</summary>
    /// <param name="builder">The sender's builder.</param>
    /// <param name="provider">The preset's id or alias; <see cref="SmtpProvider.All"/> lists them.</param>
    /// <param name="configure">Sets the region, or a host and port that replace the preset's (e.g. a local test server).</param>
    /// <returns>The builder.</returns>
    /// <remarks>
    /// The user name and password come from <see cref="MailSenderOptions.UserName"/> and <see cref="MailSenderOptions.Password"/> (or
    /// <c>MAILSENDER_PASSWORD</c>); a provider that fixes the user name (SendGrid's <c>apikey</c>) needs only the password. The preset's
    /// documented limits configure the pool and the rate limiter unless those options are set.
    /// </remarks>
    /// <exception cref="EmailSendException">The provider is unknown (<see cref="EmailErrorKind.Configuration"/>); the message lists the known ones.</exception>
    public static IMailSenderBuilder UseProvider(this IMailSenderBuilder builder, string provider, Action<SmtpProviderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(provider);
        var preset = ProviderCatalog.FindById(provider) ?? throw RelayTransportFactory.UnknownProvider(provider, $"Invalid UseProvider(\"{provider}\")");
        var options = new SmtpProviderOptions();
        configure?.Invoke(options);
        var transport = RelayTransportFactory.BuildUri(preset.Id, options);
        builder.Services.Configure<MailSenderOptions>(builder.Name, o => o.Transport = transport);
        return builder;
    }

    /// <summary>Authenticates this sender with OAuth 2.0 access tokens (OAUTHBEARER or XOAUTH2) instead of a password.</summary>
    /// <param name="builder">The sender's builder.</param>
    /// <param name="factory">Creates the token provider from the container, once for the sender; it is asked for a token on each new connection.</param>
    /// <returns>The builder.</returns>
    /// <remarks>
    /// The user name (the mailbox) still comes from the URI or <see cref="MailSenderOptions.UserName"/>. The provider is a keyed
    /// singleton (the sender's name is the key); one <see cref="ISmtpAccessTokenProvider"/> registered without a key serves the
    /// senders that have no password.
    /// </remarks>
    public static IMailSenderBuilder UseAccessTokenProvider(this IMailSenderBuilder builder, Func<IServiceProvider, ISmtpAccessTokenProvider> factory)
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
    /// To replace the built-in strategies instead, set <see cref="EmailResilienceOptions.Enabled"/> to <see langword="false"/>: the pipeline then holds
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

    /// <summary>Adds an interceptor that inspects, changes or vetoes each message of this sender before it is sent.</summary>
    /// <typeparam name="TInterceptor">The interceptor, created once by the container (a singleton: it may take singleton services).</typeparam>
    /// <param name="builder">The sender's builder.</param>
    /// <returns>The builder.</returns>
    /// <remarks>
    /// Interceptors registered as <see cref="IEmailInterceptor"/> services run first (for every sender), then this sender's, in
    /// the order they were added; then the redirect (<see cref="MailSenderOptions.Redirect"/>) and DKIM signing (docs/hooks.md).
    /// </remarks>
    public static IMailSenderBuilder AddInterceptor<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TInterceptor>(this IMailSenderBuilder builder)
        where TInterceptor : class, IEmailInterceptor
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddKeyedSingleton<IEmailInterceptor, TInterceptor>(builder.Name);
        return builder;
    }

    /// <summary>Adds an interceptor, created by <paramref name="factory"/>, that inspects, changes or vetoes each message of this sender before it is sent.</summary>
    /// <param name="builder">The sender's builder.</param>
    /// <param name="factory">Creates the interceptor once, from the container.</param>
    /// <returns>The builder.</returns>
    public static IMailSenderBuilder AddInterceptor(this IMailSenderBuilder builder, Func<IServiceProvider, IEmailInterceptor> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddKeyedSingleton(builder.Name, (provider, _) => factory(provider));
        return builder;
    }

    /// <summary>Adds an observer that learns the outcome (sent, failed, uncertain) of each message of this sender.</summary>
    /// <typeparam name="TObserver">The observer, created once by the container (a singleton).</typeparam>
    /// <param name="builder">The sender's builder.</param>
    /// <returns>The builder.</returns>
    /// <remarks>Observers registered as <see cref="IEmailObserver"/> services are told first (for every sender), then this sender's, in the order they were added.</remarks>
    public static IMailSenderBuilder AddObserver<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TObserver>(this IMailSenderBuilder builder)
        where TObserver : class, IEmailObserver
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddKeyedSingleton<IEmailObserver, TObserver>(builder.Name);
        return builder;
    }

    /// <summary>Adds an observer, created by <paramref name="factory"/>, that learns the outcome of each message of this sender.</summary>
    /// <param name="builder">The sender's builder.</param>
    /// <param name="factory">Creates the observer once, from the container.</param>
    /// <returns>The builder.</returns>
    public static IMailSenderBuilder AddObserver(this IMailSenderBuilder builder, Func<IServiceProvider, IEmailObserver> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddKeyedSingleton(builder.Name, (provider, _) => factory(provider));
        return builder;
    }
}
