using System.Collections.Concurrent;
using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace MailSender.Tests.Hooks;

/// <summary>A transport that records what it was given.</summary>
internal sealed class RecordingTransport : IEmailTransport
{
    public ConcurrentQueue<(MimeMessage Message, MailEnvelope Envelope)> Sent { get; } = new();

    public Exception? FailWith { get; set; }

    public string Name => "custom:";

    public IReadOnlyList<string> LastRecipients => Sent.Last().Envelope.Recipients.Select(r => r.Address).ToArray();

    public Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default)
    {
        if (FailWith is { } failure)
        {
            throw failure;
        }

        Sent.Enqueue((message, envelope));
        return Task.FromResult(new SendResult
        {
            MessageId = message.MessageId ?? string.Empty,
            Transport = Name,
            AcceptedRecipients = envelope.Recipients.Select(r => r.Address).ToArray(),
        });
    }
}

internal static class HookTestHost
{
    public static ServiceProvider Build(RecordingTransport transport, Action<MailSenderOptions>? configure = null, Action<IMailSenderBuilder>? build = null, CapturingLoggerProvider? logs = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            if (logs is not null)
            {
                logging.AddProvider(logs);
            }
        });
        var builder = services.AddMailSender(o =>
        {
            o.DefaultFrom = "app@example.com";
            o.Resilience.Enabled = false;
            configure?.Invoke(o);
        }).UseTransport(_ => transport);
        build?.Invoke(builder);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public static MimeMessage Message(string to = "ann@example.com", string? cc = null, string? bcc = null)
    {
        var message = new MimeMessage();
        message.To.AddRange(InternetAddressList.Parse(to));
        if (cc is not null)
        {
            message.Cc.AddRange(InternetAddressList.Parse(cc));
        }

        if (bcc is not null)
        {
            message.Bcc.AddRange(InternetAddressList.Parse(bcc));
        }

        message.Subject = "Hello";
        message.Body = new TextPart("plain") { Text = "Hi" };
        return message;
    }
}
