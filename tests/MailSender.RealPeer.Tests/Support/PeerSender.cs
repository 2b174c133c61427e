using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailSender.RealPeer.Tests.Support;

/// <summary>
/// Builds an <see cref="IEmailSender"/> the way an application does (<c>AddMailSender</c>, a service provider) for one transport URI.
/// Retries are off: each test checks what one attempt against Postfix does.
/// </summary>
internal sealed class PeerSender : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private PeerSender(ServiceProvider provider)
    {
        _provider = provider;
        Sender = provider.GetRequiredService<IEmailSender>();
    }

    public IEmailSender Sender { get; }

    public static PeerSender Create(string transport, Action<MailSenderOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddMailSender(o =>
        {
            o.Transport = transport;
            o.DefaultFrom = "MailSender real-peer tests <sender@example.test>";
            o.Resilience.Enabled = false;
            configure?.Invoke(o);
        });
        return new PeerSender(services.BuildServiceProvider());
    }

    /// <summary>Sends one message through a sender built for <paramref name="transport"/>, then disposes the sender (QUIT).</summary>
    public static async Task<SendResult> SendAsync(string transport, MimeMessage message, Action<MailSenderOptions>? configure = null)
    {
        await using var sender = Create(transport, configure);
        return await sender.Sender.SendAsync(message);
    }

    /// <summary>Sends one message and returns the <see cref="EmailSendException"/> it must fail with.</summary>
    public static Task<EmailSendException> SendFailingAsync(string transport, MimeMessage message, Action<MailSenderOptions>? configure = null) =>
        Assert.ThrowsAsync<EmailSendException>(() => SendAsync(transport, message, configure));

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
