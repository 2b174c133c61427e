using System.Collections.Concurrent;
using MailSender.Diagnostics;
using MailSender.Internal;
using MailSender.Providers;
using MailSender.Resilience.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailSender.DependencyInjection;

/// <summary>Creates each named sender once, on first use, and disposes them with the container.</summary>
internal sealed class EmailSenderFactory : IEmailSenderFactory, IAsyncDisposable, IDisposable
{
    private readonly IServiceProvider _services;
    private readonly IOptionsMonitor<MailSenderOptions> _options;
    private readonly TransportResolver _resolver;
    private readonly HashSet<string> _names;
    private readonly TimeProvider _timeProvider;
    private readonly MailSenderTelemetry _telemetry;
    private readonly ConcurrentDictionary<string, Lazy<DefaultEmailSender>> _senders = new(StringComparer.Ordinal);

    public EmailSenderFactory(
        IServiceProvider services,
        IOptionsMonitor<MailSenderOptions> options,
        IEnumerable<IEmailTransportFactory> transportFactories,
        IEnumerable<MailSenderRegistration> registrations,
        TimeProvider timeProvider,
        MailSenderTelemetry? telemetry = null)
    {
        _telemetry = telemetry ?? MailSenderTelemetry.Shared;
        _services = services;
        _options = options;
        _resolver = new TransportResolver(transportFactories, timeProvider, _telemetry);
        _names = registrations.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        _timeProvider = timeProvider;
    }

    public IEmailSender GetSender(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_names.Contains(name))
        {
            throw new InvalidOperationException(name.Length == 0
                ? "No default mail sender is registered: call services.AddMailSender(...)."
                : $"No mail sender named '{name}' is registered: call services.AddMailSender(\"{name}\", ...).");
        }

        return _senders.GetOrAdd(name, n => new Lazy<DefaultEmailSender>(() => Create(n))).Value;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sender in _senders.Values.Where(s => s.IsValueCreated))
        {
            await sender.Value.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private DefaultEmailSender Create(string name)
    {
        // Throws OptionsValidationException naming every bad setting.
        var options = _options.Get(name);
        var custom = _services.GetKeyedService<IEmailTransport>(name);
        var transport = custom ?? _resolver.Create(options.Transport!, options);
        var ownsTransport = custom is null;
        var resilience = ProviderRateLimits.Apply(options.Resilience, transport, _telemetry.Logger);
        var hooks = _services.GetServices<ResilienceConfiguration>().Where(c => c.Name == name).Select(c => c.Configure).ToArray();
        if (options.Resilience.Enabled || hooks.Length > 0)
        {
            // The wrapper disposes its own rate limiters, and the transport only if the sender owned it.
            transport = new ResilientTransport(transport, ownsTransport, resilience, _timeProvider, _services, hooks, _telemetry);
            ownsTransport = true;
        }

        var defaultFrom = string.IsNullOrWhiteSpace(options.DefaultFrom) ? null : AddressParser.ParseMailbox(options.DefaultFrom, "DefaultFrom");
        return new DefaultEmailSender(transport, ownsTransport, defaultFrom, _timeProvider, _telemetry, options.LogRecipients, Dkim.DkimMessageSigner.GetOrCreate(options.Dkim));
    }
}
