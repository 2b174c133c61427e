using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace MailSender.Benchmarks.Throughput.Peers;

/// <summary>
/// A TCP proxy on 127.0.0.1 that delays every chunk by half the round trip in each direction, keeping the order, so a
/// loopback server looks as far away as a real relay (this kernel has no netem). It also counts the client's round
/// trips: a client chunk that arrives after the server said something since the client's previous chunk starts a new
/// burst, so commands written together count once and each wait for a reply counts once.
/// </summary>
/// <remarks>
/// Each direction has a reader that stamps chunks with their due time and a writer that forwards them when due: a chunk
/// that arrives 1 ms after another leaves 1 ms after it, not half a round trip after it. The proxy runs in the harness's
/// process: with <c>--rtt</c> its allocations and CPU are in the .NET modes' bytes and CPU per message, so compare those
/// columns only from runs without it.
/// </remarks>
internal sealed class DelayProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly SmtpServerAddress _upstream;
    private readonly TimeSpan _oneWay;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private long _bursts;

    private DelayProxy(SmtpServerAddress upstream, TimeSpan roundTrip)
    {
        _upstream = upstream;
        _oneWay = roundTrip / 2;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Address = new SmtpServerAddress("127.0.0.1", ((IPEndPoint)_listener.LocalEndpoint).Port);
        _accepting = AcceptAsync();
    }

    /// <summary>Gets where clients connect.</summary>
    public SmtpServerAddress Address { get; }

    public TimeSpan RoundTrip => _oneWay * 2;

    /// <summary>Gets the client bursts counted so far, on every connection.</summary>
    public long Bursts => Interlocked.Read(ref _bursts);

    public static DelayProxy Start(SmtpServerAddress upstream, TimeSpan roundTrip) => new(upstream, roundTrip);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var upstream = new TcpClient { NoDelay = true };
        using (client)
        {
            client.NoDelay = true;
            try
            {
                await upstream.ConnectAsync(_upstream.Host, _upstream.Port, _stop.Token);
                var link = new Link();
                using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var up = PumpAsync(client.GetStream(), upstream.GetStream(), link, fromClient: true, done.Token);
                var down = PumpAsync(upstream.GetStream(), client.GetStream(), link, fromClient: false, done.Token);
                await Task.WhenAny(up, down);

                // One side closed: let what is in flight arrive, then close both.
                await Task.Delay(_oneWay + TimeSpan.FromMilliseconds(50));
                await done.CancelAsync();
                await Task.WhenAll(up, down).ContinueWith(static _ => { }, TaskScheduler.Default);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
            {
                // The client or the server went away; the benchmark sees it on its own side.
            }
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, Link link, bool fromClient, CancellationToken cancellationToken)
    {
        var chunks = Channel.CreateUnbounded<(long Due, byte[] Data)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writer = ForwardAsync(chunks.Reader, to, link, fromClient, cancellationToken);
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                if (fromClient && Interlocked.Exchange(ref link.ServerSpoke, 0) == 1)
                {
                    Interlocked.Increment(ref _bursts);
                }

                chunks.Writer.TryWrite((Stopwatch.GetTimestamp() + (long)(_oneWay.TotalSeconds * Stopwatch.Frequency), buffer.AsSpan(0, read).ToArray()));
            }
        }
        finally
        {
            chunks.Writer.TryComplete();
            await writer;
        }
    }

    private static async Task ForwardAsync(ChannelReader<(long Due, byte[] Data)> chunks, NetworkStream to, Link link, bool fromClient, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (due, data) in chunks.ReadAllAsync(cancellationToken))
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                if (!fromClient)
                {
                    // The client hears from the server now: its next chunk starts a new round trip. Set before the write,
                    // since on loopback the client can answer, and its answer be read, before the write call returns.
                    Interlocked.Exchange(ref link.ServerSpoke, 1);
                }

                await to.WriteAsync(data, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The connection is closing.
        }
    }

    /// <summary>What the two directions of one connection share.</summary>
    private sealed class Link
    {
        // 1 when the server said something (the greeting, a reply) since the client's last chunk.
        public int ServerSpoke = 1;
    }
}
