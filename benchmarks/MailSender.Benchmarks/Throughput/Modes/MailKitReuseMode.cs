using System.Net.Sockets;
using MailKit.Net.Smtp;

namespace MailSender.Benchmarks.Throughput.Modes;

/// <summary>
/// The no-overhead baseline: raw MailKit, one connection per worker opened once and reused for every message,
/// over a socket with <see cref="Socket.NoDelay"/> (MailKit's own connect leaves Nagle on, which stalls reused sends).
/// </summary>
/// <remarks>
/// <see cref="WithNagle"/> is the same with MailKit's own <c>ConnectAsync(host, port, options)</c> and its default
/// socket (Nagle on): the opt-in mode <c>mailkit-reuse-nagle</c>, which measures what TCP_NODELAY is worth.
/// </remarks>
internal sealed class MailKitReuseMode : InProcessMode
{
    public const string ModeName = "mailkit-reuse";

    public const string NagleModeName = "mailkit-reuse-nagle";

    private readonly bool _noDelay;

    public MailKitReuseMode()
        : this(ModeName, noDelay: true, [1, 4, 8])
    {
    }

    private MailKitReuseMode(string name, bool noDelay, IReadOnlyList<int> connectionCounts)
    {
        Name = name;
        _noDelay = noDelay;
        ConnectionCounts = connectionCounts;
    }

    public override string Name { get; }

    public override IReadOnlyList<int> ConnectionCounts { get; }

    /// <summary>Creates the opt-in variant over MailKit's default socket (Nagle on), at 1 and 4 connections.</summary>
    public static MailKitReuseMode WithNagle() => new(NagleModeName, noDelay: false, [1, 4]);

    protected override async Task<ISendSession> OpenAsync(ThroughputContext context, int connections, CancellationToken cancellationToken)
    {
        var session = new Session(context.MessageFactory, connections, _noDelay);
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
        private readonly bool _noDelay;

        public Session(MessageFactory messages, int connections, bool noDelay)
        {
            _messages = messages;
            _clients = new SmtpClient?[connections];
            _noDelay = noDelay;
        }

        public async Task ConnectAsync(int worker, SmtpTarget target, CancellationToken cancellationToken)
        {
            var client = new SmtpClient { ServerCertificateValidationCallback = target.CertificateValidation };
            _clients[worker] = client;
            if (!_noDelay)
            {
                // MailKit opens the socket itself, with the operating system's defaults (Nagle on).
                await client.ConnectAsync(target.Host, target.Port, target.MailKitSecurity, cancellationToken);
                return;
            }

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
