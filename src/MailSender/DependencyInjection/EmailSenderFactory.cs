using System.Collections.Concurrent;
using MailSender.Diagnostics;
using MailSender.Dkim;
using MailSender.Internal;
using MailSender.Redirect;
using MailSender.Resilience;
using MailSender.Sending;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailSender.DependencyInjection;

/// <summary>Creates each named sender once, on first use, and disposes them with the container.</summary>
internal sealed class EmailSenderFactory : IEmailSenderFactory, IAsyncDisposable, IDisposable
{
    private readonly IServiceProvider _services;
    private readonly IOptionsMonitor<MailSenderOptions> _options;
    private readonly TransportResolver _resolver;
    private readonly DkimSigners _dkim;
    private readonly HashSet<string> _names;
    private readonly TimeProvider _timeProvider;
    private readonly MailSenderTelemetry _telemetry;
    private readonly ConcurrentDictionary<string, Lazy<DefaultEmailSender>> _senders = new(StringComparer.Ordinal);

    public EmailSenderFactory(
        IServiceProvider services,
        IOptionsMonitor<MailSenderOptions> options,
        TransportResolver resolver,
        DkimSigners dkim,
        IEnumerable<MailSenderRegistration> registrations,
        TimeProvider timeProvider,
        MailSenderTelemetry telemetry)
    {
        _services = services;
        _options = options;
        _resolver = resolver;
        _dkim = dkim;
        _names = registrations.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        _timeProvider = timeProvider;
        _telemetry = telemetry;
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

    // A container disposed synchronously still closes the senders' connections.
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private DefaultEmailSender Create(string name)
    {
        // Throws OptionsValidationException naming every bad setting.
        var options = _options.Get(name);
        var custom = _services.GetKeyedService<IEmailTransport>(name);
        var delivering = custom ?? _resolver.Create(options.Transport!, new EmailTransportContext(name, options));
        var transport = delivering;
        var ownsTransport = custom is null;
        var hooks = _services.GetServices<ResilienceConfiguration>().Where(c => c.Name == name).Select(c => c.Configure).ToArray();
        if (options.Resilience.Enabled || hooks.Length > 0)
        {
            // The wrapper disposes its own rate limiters, and the transport only if the sender owned it.
            var pipeline = new EmailResiliencePipeline(options.Resilience, delivering.Name, _timeProvider, _telemetry, hooks, _services);
            transport = new ResilientTransport(delivering, ownsTransport, pipeline);
            ownsTransport = true;
        }

        var defaultFrom = string.IsNullOrWhiteSpace(options.DefaultFrom) ? null : AddressParser.ParseMailbox(options.DefaultFrom, "DefaultFrom");

        // Every sender's, then this sender's own, in the order of registration; the redirect last, so nothing escapes it.
        var interceptors = _services.GetServices<IEmailInterceptor>().Concat(_services.GetKeyedServices<IEmailInterceptor>(name)).ToList();
        if (RedirectPolicy.Create(options.Redirect) is { } redirect)
        {
            interceptors.Add(new RedirectInterceptor(redirect, _telemetry));
        }

        return new DefaultEmailSender(transport, delivering, ownsTransport, defaultFrom, _timeProvider, _telemetry, options.LogRecipients, _dkim.Get(name, options.Dkim))
        {
            ThrowOnPartialRejection = options.ThrowOnPartialRejection,
            Name = name,
            Interceptors = interceptors,
            Observers = _services.GetServices<IEmailObserver>().Concat(_services.GetKeyedServices<IEmailObserver>(name)).ToArray(),
        };
    }
}
