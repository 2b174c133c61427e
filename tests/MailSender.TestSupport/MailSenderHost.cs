using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailSender.TestSupport;

/// <summary>
/// Builds an <see cref="IEmailSender"/> the way an application does: <c>AddMailSender</c>, a service provider, <c>GetRequiredService</c>.
/// Disposing it disposes the provider, and with it the sender and its transport.
/// </summary>
public sealed class MailSenderHost : IAsyncDisposable
{
    private MailSenderHost(ServiceProvider provider)
    {
        Provider = provider;
        Sender = provider.GetRequiredService<IEmailSender>();
    }

    public ServiceProvider Provider { get; }

    public IEmailSender Sender { get; }

    public static MailSenderHost Create(string transport, Action<MailSenderOptions>? configure = null, Action<IMailSenderBuilder>? build = null) =>
        Build(
            o =>
            {
                o.Transport = transport;

                // Transport tests check what one attempt does; tests/Resilience covers retries.
                o.Resilience.Enabled = false;
                configure?.Invoke(o);
            },
            build: build);

    /// <summary>Builds a sender from options, optionally on <paramref name="timeProvider"/> and with further builder steps.</summary>
    public static MailSenderHost Build(Action<MailSenderOptions> configure, TimeProvider? timeProvider = null, Action<IMailSenderBuilder>? build = null)
    {
        var services = new ServiceCollection();
        if (timeProvider is not null)
        {
            // Registered before AddMailSender, whose TryAdd then keeps it instead of TimeProvider.System.
            services.AddSingleton(timeProvider);
        }

        var builder = services.AddMailSender(configure);
        build?.Invoke(builder);
        return new MailSenderHost(services.BuildServiceProvider());
    }

    /// <summary>Sends one message through a sender built for <paramref name="transport"/>.</summary>
    public static async Task<SendResult> SendAsync(string transport, MimeMessage message, Action<MailSenderOptions>? configure = null, Action<IMailSenderBuilder>? build = null)
    {
        await using var host = Create(transport, configure, build);
        return await host.Sender.SendAsync(message);
    }

    /// <summary>Sends one message and returns the <see cref="EmailSendException"/> it must fail with.</summary>
    public static Task<EmailSendException> SendFailingAsync(string transport, MimeMessage message, Action<MailSenderOptions>? configure = null, Action<IMailSenderBuilder>? build = null) =>
        Assert.ThrowsAsync<EmailSendException>(() => SendAsync(transport, message, configure, build));

    public ValueTask DisposeAsync() => Provider.DisposeAsync();
}
