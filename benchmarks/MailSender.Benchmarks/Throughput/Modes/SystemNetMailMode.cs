using System.Net.Mail;

namespace MailSender.Benchmarks.Throughput.Modes;

/// <summary>
/// <see cref="System.Net.Mail.SmtpClient"/>, still common in older code: one client per worker (it is not
/// thread-safe), each keeping its connection between messages, sending a new <see cref="MailMessage"/> each time.
/// </summary>
internal sealed class SystemNetMailMode : InProcessMode
{
    public override string Name => "system-net-mail";

    public override IReadOnlyList<int> ConnectionCounts { get; } = [1, 4];

    public override string? SkipReason(ThroughputContext context) => context.Target switch
    {
        { Tls: TlsMode.Implicit } => "System.Net.Mail speaks only STARTTLS, not implicit TLS",
        { Tls: TlsMode.StartTls, CaFile: not null } or { Tls: TlsMode.StartTls, Thumbprint: not null } =>
            "trusting a CA file or thumbprint would need the process-wide ServicePointManager callback",
        _ => null,
    };

    protected override Task<ISendSession> OpenAsync(ThroughputContext context, int connections, CancellationToken cancellationToken) =>
        Task.FromResult<ISendSession>(new Session(context.Target, context.MessageFactory, connections));

    private sealed class Session : ISendSession
    {
        private readonly MessageFactory _messages;
        private readonly SmtpClient[] _clients;

        public Session(SmtpTarget target, MessageFactory messages, int connections)
        {
            _messages = messages;
            _clients = new SmtpClient[connections];
            for (var i = 0; i < connections; i++)
            {
                _clients[i] = new SmtpClient(target.Host, target.Port)
                {
                    DeliveryMethod = SmtpDeliveryMethod.Network,
                    EnableSsl = target.Tls == TlsMode.StartTls,
                };
            }
        }

        public async Task SendAsync(int worker, CancellationToken cancellationToken)
        {
            using var message = _messages.CreateMailMessage();
            await _clients[worker].SendMailAsync(message, cancellationToken);
        }

        public ValueTask DisposeAsync()
        {
            // Dispose sends QUIT on the connection the client kept open.
            foreach (var client in _clients)
            {
                client.Dispose();
            }

            return ValueTask.CompletedTask;
        }
    }
}
