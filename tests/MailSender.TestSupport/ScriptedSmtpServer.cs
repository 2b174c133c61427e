using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace MailSender.TestSupport;

/// <summary>
/// A small SMTP server on 127.0.0.1 that follows a <see cref="SmtpScript"/>: chosen greeting, EHLO keywords and replies,
/// and injected faults. It records every command line and the raw bytes of every DATA section, so tests can check
/// exactly what a client put on the wire. One task per connection; pipelined commands are handled in order.
/// It also keeps a log per connection and counts connections open at once, for connection-pool tests.
/// </summary>
public sealed class ScriptedSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly List<string> _commands = [];
    private readonly List<ScriptedTransaction> _transactions = [];
    private readonly List<Task> _sessions = [];
    private readonly List<ConnectionLog> _connectionLogs = [];
    private readonly Task _acceptLoop;
    private int _connections;
    private int _active;
    private int _maxActive;

    private ScriptedSmtpServer(SmtpScript script, IPAddress address, int port)
    {
        Script = script;
        _listener = new TcpListener(address, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public SmtpScript Script { get; }

    public int Port { get; }

    /// <summary>Gets how many connections were accepted.</summary>
    public int ConnectionCount => Volatile.Read(ref _connections);

    /// <summary>Gets how many connections are open now: accepted, and neither closed nor answered QUIT (after 221 the session is over, whatever the socket still does).</summary>
    public int ActiveConnections
    {
        get
        {
            lock (_gate)
            {
                return _active;
            }
        }
    }

    /// <summary>Gets the most connections that were open at once, counted as <see cref="ActiveConnections"/> is.</summary>
    public int MaxConcurrentConnections
    {
        get
        {
            lock (_gate)
            {
                return _maxActive;
            }
        }
    }

    /// <summary>Gets every accepted connection with the lines received on it and whether it is closed, in accept order.</summary>
    public IReadOnlyList<ScriptedConnection> Connections
    {
        get
        {
            lock (_gate)
            {
                return _connectionLogs.Select(c => new ScriptedConnection(c.Number, c.Commands.ToArray(), c.Closed) { RepliesBefore = c.RepliesBefore.ToArray() }).ToArray();
            }
        }
    }

    /// <summary>Gets every line received outside DATA, from all connections, in order (AUTH exchanges included).</summary>
    public IReadOnlyList<string> Commands
    {
        get
        {
            lock (_gate)
            {
                return _commands.ToArray();
            }
        }
    }

    /// <summary>Gets the transactions whose DATA section arrived complete, in order.</summary>
    public IReadOnlyList<ScriptedTransaction> Transactions
    {
        get
        {
            lock (_gate)
            {
                return _transactions.ToArray();
            }
        }
    }

    public static ScriptedSmtpServer Start(SmtpScript? script = null) => new(script ?? new SmtpScript(), IPAddress.Loopback, 0);

    /// <summary>Starts a server on a given loopback address and port (direct-delivery tests give each MX host its own address).</summary>
    public static ScriptedSmtpServer Start(SmtpScript script, IPAddress address, int port) => new(script, address, port);

    /// <summary>Gets the commands that start with <paramref name="verb"/> (e.g. <c>MAIL</c>, <c>AUTH</c>), case-insensitively.</summary>
    public IReadOnlyList<string> CommandsStartingWith(string verb) =>
        Commands.Where(c => c.StartsWith(verb, StringComparison.OrdinalIgnoreCase)).ToArray();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        Task[] sessions;
        lock (_gate)
        {
            sessions = [.. _sessions, _acceptLoop];
        }

        try
        {
            await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or TimeoutException)
        {
        }

        _stop.Dispose();
    }

    internal static string AddressOf(string command)
    {
        var open = command.IndexOf('<', StringComparison.Ordinal);
        var close = open < 0 ? -1 : command.IndexOf('>', open);
        return close > open ? command[(open + 1)..close] : string.Empty;
    }

    private static bool IsPositive(string reply) => reply.Length > 0 && reply[0] == '2';

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            // Replies are written one by one; without this, Nagle's algorithm and delayed ACKs stall pipelined exchanges by ~40 ms each.
            client.NoDelay = true;
            var log = new ConnectionLog(Interlocked.Increment(ref _connections));
            lock (_gate)
            {
                _connectionLogs.Add(log);
                _active++;
                _maxActive = Math.Max(_maxActive, _active);
                _sessions.Add(Task.Run(() => RunSessionAsync(client, log, _stop.Token)));
            }
        }
    }

    private async Task RunSessionAsync(TcpClient client, ConnectionLog log, CancellationToken cancellationToken)
    {
        try
        {
            using (client)
            {
                try
                {
                    await new Session(this, client, log).RunAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or AuthenticationException)
                {
                    // The client went away or the test ended; the transcript so far is what the test checks.
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                log.Closed = true;
            }

            _ = EndSession(log);
        }
    }

    /// <summary>Stops counting a connection as open; called before the 221 reply to QUIT, so a client that waits for it cannot be counted twice.</summary>
    private bool EndSession(ConnectionLog log)
    {
        lock (_gate)
        {
            if (!log.Ended)
            {
                log.Ended = true;
                _active--;
            }
        }

        return true;
    }

    private void Record(ConnectionLog log, string line, int repliesBefore = 0)
    {
        lock (_gate)
        {
            _commands.Add(line);
            log.Commands.Add(line);
            log.RepliesBefore.Add(repliesBefore);
        }
    }

    private void Record(ScriptedTransaction transaction)
    {
        lock (_gate)
        {
            _transactions.Add(transaction);
        }
    }

    /// <summary>What one connection received; guarded by the server's lock.</summary>
    private sealed class ConnectionLog(int number)
    {
        public int Number { get; } = number;

        public List<string> Commands { get; } = [];

        public List<int> RepliesBefore { get; } = [];

        public bool Closed { get; set; }

        public bool Ended { get; set; }
    }

    /// <summary>One connection's conversation.</summary>
    private sealed class Session(ScriptedSmtpServer server, TcpClient client, ConnectionLog log)
    {
        private readonly SmtpScript _script = server.Script;
        private readonly List<string> _recipients = [];
        private Stream _stream = client.GetStream();
        private SmtpWireReader _reader = new(client.GetStream());
        private bool _secure;
        private string? _mailCommand;
        private int _transactionsStarted;
        private int _transactionsCompleted;
        private int _replies;
        private readonly MemoryStream _chunks = new();

        private SmtpFault Fault => _script.FaultOn?.Invoke(log.Number) ?? _script.Fault;

        private bool OffersStartTls => _script.Certificate is not null && !_secure && (_script.OfferStartTlsOn?.Invoke(log.Number) ?? true);

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            if (_script.GreetingDelay > TimeSpan.Zero)
            {
                await Task.Delay(_script.GreetingDelay, cancellationToken).ConfigureAwait(false);
            }

            await ReplyAsync(_script.GreetingOn?.Invoke(log.Number) ?? _script.Greeting, cancellationToken).ConfigureAwait(false);
            _reader.Stamp = () => _replies;
            while (await ReadCommandAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                server.Record(log, line, _reader.LastStamp);
                if (Fault == SmtpFault.CloseAfterGreeting)
                {
                    return;
                }

                var space = line.IndexOf(' ', StringComparison.Ordinal);
                var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
                var argument = space < 0 ? string.Empty : line[(space + 1)..];
                if (verb == "MAIL")
                {
                    _transactionsStarted++;
                }

                var intercepted = await InterceptAsync(line, cancellationToken).ConfigureAwait(false);
                if (intercepted is SmtpScript.CloseSilently)
                {
                    return;
                }

                if (intercepted is not null && verb is not ("MAIL" or "RCPT" or "DATA" or "BDAT"))
                {
                    await ReplyAsync(intercepted, cancellationToken).ConfigureAwait(false);
                    if (ClosesConnection(intercepted))
                    {
                        return;
                    }

                    continue;
                }

                var keepGoing = verb switch
                {
                    "EHLO" => await EhloAsync(argument, cancellationToken).ConfigureAwait(false),
                    "HELO" => await ReplyAsync("250 scripted.test", cancellationToken).ConfigureAwait(false),
                    "STARTTLS" => await StartTlsAsync(cancellationToken).ConfigureAwait(false),
                    "AUTH" => await AuthAsync(argument, cancellationToken).ConfigureAwait(false),
                    "MAIL" => await MailAsync(line, intercepted, cancellationToken).ConfigureAwait(false),
                    "RCPT" => await RcptAsync(line, intercepted, cancellationToken).ConfigureAwait(false),
                    "DATA" => await DataAsync(intercepted, cancellationToken).ConfigureAwait(false),
                    "BDAT" when _script.Capabilities.Contains("CHUNKING", StringComparer.OrdinalIgnoreCase) => await BdatAsync(argument, intercepted, cancellationToken).ConfigureAwait(false),
                    "RSET" => Reset() && await ReplyAsync("250 2.0.0 Ok", cancellationToken).ConfigureAwait(false),
                    "NOOP" => await ReplyAsync("250 2.0.0 Ok", cancellationToken).ConfigureAwait(false),
                    "QUIT" => !(server.EndSession(log) && await ReplyAsync("221 2.0.0 Bye", cancellationToken).ConfigureAwait(false)),
                    _ => await ReplyAsync("502 5.5.2 Error: command not recognized", cancellationToken).ConfigureAwait(false),
                };
                if (!keepGoing)
                {
                    return;
                }
            }
        }

        private async Task<bool> EhloAsync(string argument, CancellationToken cancellationToken)
        {
            Reset();
            var keywords = _script.Capabilities.ToList();
            if (OffersStartTls)
            {
                keywords.Add("STARTTLS");
            }

            var reply = new StringBuilder($"250{(keywords.Count > 0 ? '-' : ' ')}scripted.test greets {argument}");
            for (var i = 0; i < keywords.Count; i++)
            {
                reply.Append("\r\n250").Append(i == keywords.Count - 1 ? ' ' : '-').Append(keywords[i]);
            }

            return await ReplyAsync(reply.ToString(), cancellationToken).ConfigureAwait(false);
        }

        private async Task<bool> StartTlsAsync(CancellationToken cancellationToken)
        {
            if (!OffersStartTls)
            {
                return await ReplyAsync("502 5.5.1 STARTTLS not available", cancellationToken).ConfigureAwait(false);
            }

            if (_reader.HasBufferedBytes)
            {
                // RFC 3207: a client must not pipeline after STARTTLS; plaintext sent here could be injected into the TLS session.
                return await ReplyAsync("554 5.5.1 Error: pipelined data after STARTTLS", cancellationToken).ConfigureAwait(false);
            }

            await ReplyAsync("220 2.0.0 Ready to start TLS", cancellationToken).ConfigureAwait(false);
            var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
            await tls.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions { ServerCertificate = _script.Certificate, EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13 },
                cancellationToken).ConfigureAwait(false);
            _stream = tls;
            _reader = new SmtpWireReader(tls);
            _secure = true;
            Reset();
            return true;
        }

        private async Task<bool> AuthAsync(string argument, CancellationToken cancellationToken)
        {
            var parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            var mechanism = parts.Length > 0 ? parts[0].ToUpperInvariant() : string.Empty;
            var initial = parts.Length > 1 ? parts[1] : null;
            string[] prompts = mechanism switch
            {
                "PLAIN" => initial is null ? [string.Empty] : [],
                "LOGIN" => initial is null ? ["VXNlcm5hbWU6", "UGFzc3dvcmQ6"] : ["UGFzc3dvcmQ6"],
                "XOAUTH2" or "OAUTHBEARER" when _script.Capabilities.Any(c => c.StartsWith("AUTH ", StringComparison.OrdinalIgnoreCase) && c.Contains(mechanism, StringComparison.OrdinalIgnoreCase)) =>
                    [.. initial is null ? [string.Empty] : Array.Empty<string>(), .. _script.OAuthErrorChallenge is { } error ? [error] : Array.Empty<string>()],
                _ => ["unsupported"],
            };
            if (prompts is ["unsupported"])
            {
                return await ReplyAsync("504 5.5.4 Unrecognized authentication type", cancellationToken).ConfigureAwait(false);
            }

            foreach (var prompt in prompts)
            {
                await ReplyAsync("334 " + prompt, cancellationToken).ConfigureAwait(false);
                if (await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is not { } answer)
                {
                    return false;
                }

                server.Record(log, answer);
            }

            return await ReplyAsync(_script.AuthReply, cancellationToken).ConfigureAwait(false);
        }

        private async Task<bool> MailAsync(string line, string? intercepted, CancellationToken cancellationToken)
        {
            if (_script.RejectNestedMail && _mailCommand is not null && intercepted is null)
            {
                return await ReplyAsync("503 5.5.1 Error: nested MAIL command", cancellationToken).ConfigureAwait(false);
            }

            Reset();
            var reply = intercepted ?? _script.MailReply;
            if (IsPositive(reply))
            {
                _mailCommand = line;
            }

            return await ReplyAsync(reply, cancellationToken).ConfigureAwait(false) && !ClosesConnection(intercepted);
        }

        private async Task<bool> RcptAsync(string line, string? intercepted, CancellationToken cancellationToken)
        {
            if (Fault == SmtpFault.CloseAfterRcpt)
            {
                return false;
            }

            var address = AddressOf(line);
            var reply = intercepted ?? (_script.RecipientReplies.TryGetValue(address, out var scripted) ? scripted : _script.RecipientReply);
            if (_mailCommand is null)
            {
                reply = intercepted ?? "503 5.5.1 Error: need MAIL command";
            }
            else if (IsPositive(reply))
            {
                _recipients.Add(address);
            }

            return await ReplyAsync(reply, cancellationToken).ConfigureAwait(false) && !ClosesConnection(intercepted);
        }

        private async Task<bool> DataAsync(string? intercepted, CancellationToken cancellationToken)
        {
            if (intercepted is not null && !intercepted.StartsWith("354", StringComparison.Ordinal))
            {
                Reset();
                return await ReplyAsync(intercepted, cancellationToken).ConfigureAwait(false) && !ClosesConnection(intercepted);
            }

            if (_mailCommand is null || _recipients.Count == 0)
            {
                return await ReplyAsync("554 5.5.1 Error: no valid recipients", cancellationToken).ConfigureAwait(false);
            }

            await ReplyAsync("354 End data with <CR><LF>.<CR><LF>", cancellationToken).ConfigureAwait(false);
            var stopAfter = Fault == SmtpFault.CloseDuringData ? _script.FaultAfterDataBytes : (int?)null;
            var data = await _reader.ReadDataAsync(stopAfter, _script.LenientEndOfData, cancellationToken).ConfigureAwait(false);
            if (data is null)
            {
                if (Fault == SmtpFault.CloseDuringData)
                {
                    // Reset rather than close: unread data is discarded and the client's next write fails, as when a server crashes.
                    client.Client.LingerState = new LingerOption(enable: true, seconds: 0);
                }

                return false;
            }

            return await CompleteAsync(new ScriptedTransaction(_mailCommand, _recipients.ToArray(), data) { Connection = log.Number }, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Records a received message and gives the final reply (or the scripted fault); returns whether the session goes on.</summary>
        private async Task<bool> CompleteAsync(ScriptedTransaction transaction, CancellationToken cancellationToken)
        {
            server.Record(transaction);
            Reset();
            if (Fault == SmtpFault.CloseAfterFinalDot)
            {
                return false;
            }

            var final = await InterceptAsync(".", cancellationToken).ConfigureAwait(false);
            if (final is SmtpScript.CloseSilently)
            {
                return false;
            }

            var reply = final ?? _script.DataReply;
            await ReplyAsync(reply, cancellationToken).ConfigureAwait(false);
            if (IsPositive(reply))
            {
                _transactionsCompleted++;
            }

            return !ClosesConnection(final) && !(_transactionsCompleted >= _script.CloseAfterTransactions);
        }

        /// <summary>
        /// BDAT (RFC 3030): the announced octets are always read, even when the transaction failed, so the next command is
        /// found where the client put it; the message is recorded at <c>LAST</c>.
        /// </summary>
        private async Task<bool> BdatAsync(string argument, string? intercepted, CancellationToken cancellationToken)
        {
            var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length is 0 or > 2 || !int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size) ||
                (parts.Length == 2 && !parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase)))
            {
                return await ReplyAsync("501 5.5.4 Syntax: BDAT count [LAST]", cancellationToken).ConfigureAwait(false);
            }

            var last = parts.Length == 2;
            if (await _reader.ReadExactAsync(size, cancellationToken).ConfigureAwait(false) is not { } chunk)
            {
                return false;
            }

            if (intercepted is not null)
            {
                _chunks.SetLength(0);
                Reset();
                return await ReplyAsync(intercepted, cancellationToken).ConfigureAwait(false) && !ClosesConnection(intercepted);
            }

            if (_mailCommand is null)
            {
                return await ReplyAsync("503 5.5.1 Error: need MAIL command", cancellationToken).ConfigureAwait(false);
            }

            if (_recipients.Count == 0)
            {
                // As Postfix: the transaction stays open (a following MAIL without RSET is a nested MAIL).
                return await ReplyAsync("554 5.5.1 Error: no valid recipients", cancellationToken).ConfigureAwait(false);
            }

            _chunks.Write(chunk);
            if (!last)
            {
                return await ReplyAsync($"250 2.0.0 {size} octets received", cancellationToken).ConfigureAwait(false);
            }

            return await CompleteAsync(new ScriptedTransaction(_mailCommand, _recipients.ToArray(), _chunks.ToArray()) { Connection = log.Number, Chunked = true }, cancellationToken).ConfigureAwait(false);
        }

        private bool ClosesConnection(string? intercepted) => !_script.KeepOpenAfter421 && intercepted?.StartsWith("421", StringComparison.Ordinal) == true;

        private Task<string?> InterceptAsync(string command, CancellationToken cancellationToken) =>
            _script.Intercept is { } intercept
                ? intercept(new ScriptedExchange(log.Number, _transactionsStarted, command), cancellationToken)
                : Task.FromResult<string?>(null);

        private async Task<string?> ReadCommandAsync(CancellationToken cancellationToken)
        {
            // Only between transactions, once one has completed: a slow first exchange (JIT, a busy machine) is not "idle".
            if (_script.IdleDisconnectAfter is not { } idle || _transactionsCompleted == 0 || _mailCommand is not null)
            {
                return await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(idle);
            try
            {
                return await _reader.ReadLineAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                if (_script.IdleDisconnectReply is { } reply)
                {
                    await ReplyAsync(reply, cancellationToken).ConfigureAwait(false);
                }

                return null;
            }
        }

        private bool Reset()
        {
            _mailCommand = null;
            _recipients.Clear();
            _chunks.SetLength(0);
            return true;
        }

        private async Task<bool> ReplyAsync(string reply, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _replies);
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(reply + "\r\n"), cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
    }
}
