using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MailSender.TestSupport;

/// <summary>One canned HTTP answer of a <see cref="TestHttpsServer"/>.</summary>
/// <param name="Status">The status code, e.g. 200.</param>
/// <param name="ContentType">The Content-Type header, or <see langword="null"/> for none.</param>
/// <param name="Body">The body.</param>
/// <param name="Location">A Location header (for redirects), or <see langword="null"/>.</param>
public sealed record TestHttpResponse(int Status, string? ContentType, string Body, string? Location = null)
{
    /// <summary>A 200 text/plain answer with <paramref name="body"/>.</summary>
    public static TestHttpResponse Text(string body) => new(200, "text/plain; charset=utf-8", body);
}

/// <summary>
/// A minimal HTTPS server for tests (an SslStream speaking HTTP/1.1; no Kestrel in the core tests): it answers every GET with
/// the response for its path, or 404, and closes the connection. It records the request lines and Host headers it received.
/// </summary>
public sealed class TestHttpsServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly X509Certificate2 _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, TestHttpResponse> _responses = new(StringComparer.Ordinal);
    private readonly Task _acceptLoop;

    /// <param name="certificate">The server certificate, with its private key.</param>
    /// <param name="address">The loopback address to listen on.</param>
    /// <param name="port">The port; 0 picks a free one.</param>
    public TestHttpsServer(X509Certificate2 certificate, IPAddress? address = null, int port = 0)
    {
        _certificate = certificate;
        _listener = new TcpListener(address ?? IPAddress.Loopback, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    /// <summary>Gets the request lines received (e.g. <c>GET /.well-known/mta-sts.txt HTTP/1.1</c>), with the Host header after a space.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Gets or sets how long the server waits before answering (to test client timeouts).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Sets the answer for a path.</summary>
    public TestHttpsServer Respond(string path, TestHttpResponse response)
    {
        _responses[path] = response;
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await using var ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _certificate,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                }, _stop.Token);
                var head = await ReadHeadAsync(ssl);
                if (head is null)
                {
                    return;
                }

                var lines = head.Split("\r\n");
                var host = lines.Skip(1).FirstOrDefault(l => l.StartsWith("Host:", StringComparison.OrdinalIgnoreCase))?[5..].Trim();
                Requests.Enqueue(lines[0] + " " + host);
                var path = lines[0].Split(' ') is { Length: >= 2 } parts ? parts[1] : "/";
                var response = _responses.TryGetValue(path, out var found) ? found : new TestHttpResponse(404, "text/plain", "not found");
                if (Delay > TimeSpan.Zero)
                {
                    await Task.Delay(Delay, _stop.Token);
                }

                var body = Encoding.UTF8.GetBytes(response.Body);
                var text = new StringBuilder()
                    .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {response.Status} Status\r\n")
                    .Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n")
                    .Append("Connection: close\r\n");
                if (response.ContentType is not null)
                {
                    text.Append(CultureInfo.InvariantCulture, $"Content-Type: {response.ContentType}\r\n");
                }

                if (response.Location is not null)
                {
                    text.Append(CultureInfo.InvariantCulture, $"Location: {response.Location}\r\n");
                }

                text.Append("\r\n");
                await ssl.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()), _stop.Token);
                await ssl.WriteAsync(body, _stop.Token);
                await ssl.FlushAsync(_stop.Token);
            }
            catch (Exception)
            {
                // A client that refuses the certificate, a timeout, or the server stopping: nothing to answer.
            }
        }
    }

    private async Task<string?> ReadHeadAsync(Stream stream)
    {
        var buffer = new byte[16 * 1024];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), _stop.Token);
            if (read == 0)
            {
                return null;
            }

            length += read;
            var text = Encoding.ASCII.GetString(buffer, 0, length);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                return text[..end];
            }
        }

        return null;
    }
}
