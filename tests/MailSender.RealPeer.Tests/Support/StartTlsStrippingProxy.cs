using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailSender.RealPeer.Tests.Support;

/// <summary>
/// A man in the middle between a client and a real SMTP server (127.0.0.1, ephemeral port): it removes STARTTLS from
/// the server's EHLO reply, answers a STARTTLS command itself with 454, relays everything else line by line, and
/// records every line the client sent, so a test can prove that no AUTH reached the server.
/// </summary>
internal sealed class StartTlsStrippingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _clientLines = new();
    private readonly ConcurrentBag<Task> _sessions = [];
    private readonly Task _acceptLoop;
    private int _connections;

    private StartTlsStrippingProxy(string upstreamHost, int upstreamPort)
    {
        _upstreamHost = upstreamHost;
        _upstreamPort = upstreamPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    /// <summary>Gets the port clients connect to.</summary>
    public int Port { get; }

    /// <summary>Gets how many client connections were accepted.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Gets every line clients sent, in order, without the line ending.</summary>
    public IReadOnlyList<string> ClientLines => _clientLines.ToArray();

    /// <summary>Starts a proxy in front of <paramref name="upstreamHost"/>:<paramref name="upstreamPort"/>.</summary>
    public static StartTlsStrippingProxy Start(string upstreamHost, int upstreamPort) => new(upstreamHost, upstreamPort);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await Task.WhenAll([_acceptLoop, .. _sessions]);
        }
        catch (Exception error) when (error is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // Connections cut by the shutdown.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _sessions.Add(RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(_upstreamHost, _upstreamPort, _stop.Token);
            var clientStream = client.GetStream();
            var serverStream = upstream.GetStream();

            // Both directions write to the client (server replies, and our own 454 to STARTTLS).
            using var clientWrite = new SemaphoreSlim(1, 1);
            using var session = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var toServer = PumpClientAsync(clientStream, serverStream, clientWrite, session.Token);
            var toClient = PumpServerAsync(serverStream, clientStream, clientWrite, session.Token);
            await Task.WhenAny(toServer, toClient);
            await session.CancelAsync();
            client.Client.Shutdown(SocketShutdown.Both);
            upstream.Client.Shutdown(SocketShutdown.Both);
            await Task.WhenAll(toServer, toClient).ContinueWith(static _ => { }, TaskScheduler.Default);
        }
        catch (Exception error) when (error is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // A client or the server hung up.
        }
    }

    private async Task PumpClientAsync(Stream client, Stream server, SemaphoreSlim clientWrite, CancellationToken cancellationToken)
    {
        var reader = new LineReader(client);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            var text = Encoding.UTF8.GetString(line).TrimEnd('\r', '\n');
            _clientLines.Enqueue(text);
            if (text.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase))
            {
                await WriteAsync(client, clientWrite, "454 4.7.0 TLS not available due to local problem\r\n"u8.ToArray(), cancellationToken);
                continue;
            }

            await server.WriteAsync(line, cancellationToken);
        }
    }

    private static async Task PumpServerAsync(Stream server, Stream client, SemaphoreSlim clientWrite, CancellationToken cancellationToken)
    {
        var reader = new LineReader(server);
        var reply = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            var text = Encoding.UTF8.GetString(line).TrimEnd('\r', '\n');
            reply.Add(text);
            if (text.Length > 3 && text[3] == '-')
            {
                // Not the last line of a multi-line reply yet.
                continue;
            }

            var kept = reply.Where(l => !(l.Length > 4 && l[4..].Equals("STARTTLS", StringComparison.OrdinalIgnoreCase))).ToList();
            var output = new StringBuilder();
            for (var i = 0; i < kept.Count; i++)
            {
                var l = kept[i];
                output.Append(l.Length > 3 ? l[..3] + (i == kept.Count - 1 ? ' ' : '-') + l[4..] : l).Append("\r\n");
            }

            reply.Clear();
            await WriteAsync(client, clientWrite, Encoding.UTF8.GetBytes(output.ToString()), cancellationToken);
        }
    }

    private static async Task WriteAsync(Stream stream, SemaphoreSlim gate, byte[] bytes, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await stream.WriteAsync(bytes, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Reads LF-terminated lines (the LF included) from a stream.</summary>
    private sealed class LineReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;

        public async Task<byte[]?> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new List<byte>();
            while (true)
            {
                var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (newline >= 0)
                {
                    line.AddRange(_buffer.AsSpan(_start, newline + 1 - _start));
                    _start = newline + 1;
                    return line.ToArray();
                }

                line.AddRange(_buffer.AsSpan(_start, _end - _start));
                _start = 0;
                _end = await stream.ReadAsync(_buffer, cancellationToken);
                if (_end == 0)
                {
                    return line.Count == 0 ? null : line.ToArray();
                }
            }
        }
    }
}
