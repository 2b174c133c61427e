using MailSender;
using MailSender.Outbox;
using MailSender.DependencyInjection;
using MailSender.Deliverability;
using MailSender.Outbox.Bounces;
using MailSender.Outbox.Delivery;
using MailSender.Outbox.DependencyInjection;
using MailSender.Outbox.Diagnostics;
using MailSender.Outbox.Sqlite;
using MailSender.Outbox.Storage;
using MailSender.Outbox.Suppression;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the outbox: <c>services.AddMailSender(...).AddOutbox(...)</c>.</summary>
public static class OutboxServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IEmailOutbox"/> with an SQLite store by default, delivered by the sender <paramref name="builder"/>
    /// registered (unless a message names another), and the worker that delivers it as a hosted service.
    /// </summary>
    /// <param name="builder">The sender that delivers by default.</param>
    /// <returns>A builder to add other stores (<c>.AddPostgreSql()</c> from MailSender.Outbox.PostgreSql).</returns>
    public static IOutboxBuilder AddOutbox(this IMailSenderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return AddCore(builder);
    }

    /// <summary>Adds the outbox with options set by <paramref name="configure"/>.</summary>
    /// <param name="builder">The sender that delivers by default.</param>
    /// <param name="configure">Sets the options (the store defaults to <c>sqlite:mailsender-outbox.db</c>).</param>
    /// <returns>A builder to add other stores.</returns>
    public static IOutboxBuilder AddOutbox(this IMailSenderBuilder builder, Action<OutboxOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var outbox = AddCore(builder);
        builder.Services.Configure(configure);
        return outbox;
    }

    /// <summary>Adds the outbox with options bound from <paramref name="configuration"/> (usually the section <c>MailSender:Outbox</c>).</summary>
    /// <param name="builder">The sender that delivers by default.</param>
    /// <param name="configuration">The section to bind; unknown keys are errors.</param>
    /// <returns>A builder to add other stores.</returns>
    public static IOutboxBuilder AddOutbox(this IMailSenderBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var outbox = AddCore(builder);
        builder.Services.AddOptions<OutboxOptions>().Bind(configuration, binder => binder.ErrorOnUnknownConfiguration = true);
        return outbox;
    }

    private static OutboxBuilder AddCore(IMailSenderBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(OutboxRuntime)))
        {
            throw new InvalidOperationException("AddOutbox was called twice: an application has one outbox (name the sender per message with OutboxEnqueueOptions.SenderName).");
        }

        services.AddOptions<OutboxOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OutboxOptions>, OutboxOptionsValidation>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutboxStoreProvider, SqliteStoreProvider>());
        services.TryAddSingleton(TimeProvider.System);
        var defaultSender = builder.Name;
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<OutboxOptions>>().Value;
            var time = provider.GetRequiredService<TimeProvider>();
            var store = StoreLocation.Open(options.Store, provider.GetServices<IOutboxStoreProvider>(), options, time);
            return new OutboxRuntime(store, options, defaultSender, time, new OutboxTelemetry(provider.GetService<System.Diagnostics.Metrics.IMeterFactory>(), provider.GetService<ILoggerFactory>()));
        });
        services.AddSingleton<IEmailOutbox>(provider => new EmailOutbox(
            provider.GetRequiredService<OutboxRuntime>(),
            provider.GetRequiredService<IOptionsMonitor<MailSenderOptions>>(),
            provider.GetServices<MailSenderRegistration>().Select(r => r.Name)));
        services.AddSingleton<OutboxWorker>();
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<OutboxWorker>());

        // Hard bounces read by MailSender.Deliverability's bounce processor mark the recipients they name bounced.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBounceReportHandler, OutboxBounceHandler>());

        // QueueSends: every IEmailSender the application gets (the default one, keyed ones, IEmailSenderFactory's, so the
        // Identity adapter too) enqueues, decided from the options when first resolved. The worker delivers through
        // MailSender's own factory, resolved by its concrete type, so its sends are never queued again.
        services.TryAddSingleton<EmailSenderFactory>();
        var factory = services.LastOrDefault(d => d.ServiceType == typeof(IEmailSenderFactory) && d.ServiceKey is null);
        if (factory is { ImplementationType: { } type } && type == typeof(EmailSenderFactory))
        {
            services.Remove(factory);
            services.AddSingleton<IEmailSenderFactory>(provider => provider.GetRequiredService<IOptions<OutboxOptions>>().Value.QueueSends
                ? new QueueingSenderFactory(provider.GetRequiredService<IEmailOutbox>(), provider.GetRequiredService<OutboxRuntime>())
                : provider.GetRequiredService<EmailSenderFactory>());
        }

        return new OutboxBuilder(services);
    }

    /// <summary>
    /// Keeps the suppression list in the outbox's database (table <c>mailsender_suppressions</c>, SQLite or PostgreSQL)
    /// instead of memory, and adds the suppression check (<c>AddSuppressionList</c>): unsubscribes, hard bounces and
    /// complaints then survive restarts and are shared by every machine of a PostgreSQL outbox. Replaces an
    /// <see cref="IEmailSuppressionList"/> registered before (the in-memory one of <c>AddSuppressionList</c>).
    /// </summary>
    /// <param name="outbox">What <c>AddOutbox</c> returned.</param>
    /// <returns>The same builder.</returns>
    public static IOutboxBuilder AddSuppressionList(this IOutboxBuilder outbox)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        outbox.Services.Replace(ServiceDescriptor.Singleton<IEmailSuppressionList>(provider => new OutboxSuppressionList(provider.GetRequiredService<OutboxRuntime>())));
        outbox.Services.AddSuppressionList();
        return outbox;
    }

    /// <summary>With <see cref="OutboxOptions.QueueSends"/>: each named sender enqueues for itself.</summary>
    private sealed class QueueingSenderFactory(IEmailOutbox outbox, OutboxRuntime runtime) : IEmailSenderFactory
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, OutboxEmailSender> _senders = new(StringComparer.Ordinal);

        public IEmailSender GetSender(string name) => _senders.GetOrAdd(name, n => new OutboxEmailSender(outbox, runtime, n));
    }

    private sealed class OutboxBuilder(IServiceCollection services) : IOutboxBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
