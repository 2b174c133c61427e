using MailKit.Net.Smtp;

namespace MailSender.Benchmarks.Throughput.Modes;

/// <summary>
/// Raw MailKit the way FluentEmail's MailKit sender and many applications use it: a new client per message,
/// connect (MailKit's own connect, default socket), send, disconnect.
/// </summary>
internal sealed class MailKitPerMessageMode : InProcessMode
{
    public override string Name => "mailkit-per-message";

    public override IReadOnlyList<int> ConnectionCounts { get; } = [1, 4, 8];

    protected override Task<ISendSession> OpenAsync(ThroughputContext context, int connections, CancellationToken cancellationToken) =>
        Task.FromResult<ISendSession>(new Session(context.Target, context.MessageFactory));

    private sealed class Session(SmtpTarget target, MessageFactory messages) : ISendSession
    {
        public async Task SendAsync(int worker, CancellationToken cancellationToken)
        {
            using var client = new SmtpClient { ServerCertificateValidationCallback = target.CertificateValidation };
            await client.ConnectAsync(target.Host, target.Port, target.MailKitSecurity, cancellationToken);
            await client.SendAsync(messages.CreateMimeMessage(), cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
