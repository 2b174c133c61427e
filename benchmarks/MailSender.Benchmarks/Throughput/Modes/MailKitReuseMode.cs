using System.Net.Sockets;
using MailKit.Net.Smtp;

namespace MailSender.Benchmarks.Throughput.Modes;

/// <summary>
/// The no-overhead baseline: raw MailKit, one connection per worker opened once and reused for every message,
/// over a socket with <see cref="Socket.NoDelay"/> (MailKit's own connect leaves Nagle on, which stalls reused sends).
/// </summary>
internal sealed class MailKitReuseMode : InProcessMode
{
    public const string ModeName = "mailkit-reuse";

    public override string Name => ModeName;

    public override IReadOnlyList<int> ConnectionCounts { get; } = [1, 4, 8];

    protected override async Task<ISendSession> OpenAsync(ThroughputContext context, int connections, CancellationToken cancellationToken)
    {
        var session = new Session(context.MessageFactory, connections);
        try
        {
            for (var i = 0; i < connections; i++)
            {
                await session.ConnectAsync(i, context.Target, cancellationToken);
            }

            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    private sealed class Session : ISendSession
    {
        private readonly MessageFactory _messages;
        private readonly SmtpClient?[] _clients;

        public Session(MessageFactory messages, int connections)
        {
            _messages = messages;
            _clients = new SmtpClient?[connections];
        }

        public async Task ConnectAsync(int worker, SmtpTarget target, CancellationToken cancellationToken)
        {
            var client = new SmtpClient { ServerCertificateValidationCallback = target.CertificateValidation };
            _clients[worker] = client;
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(target.Host, target.Port, cancellationToken);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            // MailKit owns the socket from here on and closes it on disconnect.
            await client.ConnectAsync(socket, target.Host, target.Port, target.MailKitSecurity, cancellationToken);
        }

        public Task SendAsync(int worker, CancellationToken cancellationToken) =>
            _clients[worker]!.SendAsync(_messages.CreateMimeMessage(), cancellationToken);

        public async ValueTask DisposeAsync()
        {
            foreach (var client in _clients)
            {
                if (client is null)
                {
                    continue;
                }

                if (client.IsConnected)
                {
                    await client.DisconnectAsync(quit: true);
                }

                client.Dispose();
            }
        }
    }
}
