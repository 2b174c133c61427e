using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using MailSender.Smtp.Protocol;

namespace MailSender.Smtp.Direct.MtaSts;

/// <summary>Gets a domain's MTA-STS policy body; the seam between the policy cache and HTTPS.</summary>
internal interface IMtaStsPolicyFetcher
{
    /// <summary>Fetches <c>https://mta-sts.DOMAIN/.well-known/mta-sts.txt</c>; never throws for what the network or the server did.</summary>
    Task<MtaStsFetch> FetchAsync(string domain, CancellationToken cancellationToken);
}

/// <summary>The body of a fetched policy, or why there is none.</summary>
internal sealed record MtaStsFetch(string? Body, string? Problem)
{
    public static MtaStsFetch Failed(string problem) => new(null, problem);
}

/// <summary>
/// Fetches policies as RFC 8461 (3.3) says: HTTPS with a valid certificate for <c>mta-sts.DOMAIN</c> (TLS 1.2 or later), only a 200
/// counts, no redirects followed, no cookies, no proxy, <c>text/plain</c> only, at most 64 KiB, one minute in all. The host is
/// resolved with the transport's own name servers (<c>dns=</c>), as the MX hosts are.
/// </summary>
internal sealed class MtaStsPolicyFetcher : IMtaStsPolicyFetcher
{
    /// <summary>The largest policy body read (RFC 8461, 3.3, suggests 64 KiB).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    private readonly Func<string, CancellationToken, Task<IReadOnlyList<IPAddress>>> _resolve;
    private readonly CertificateValidator _trust;
    private readonly int _port;
    private readonly TimeSpan _timeout;

    /// <param name="resolve">Looks up a host's addresses (the transport's resolver).</param>
    /// <param name="trust">Validates the web server's certificate (never one that accepts invalid certificates).</param>
    /// <param name="port">The HTTPS port: 443, except in tests.</param>
    /// <param name="timeout">The limit for the whole fetch (one minute, except in tests).</param>
    public MtaStsPolicyFetcher(Func<string, CancellationToken, Task<IReadOnlyList<IPAddress>>> resolve, CertificateValidator trust, int port, TimeSpan timeout)
    {
        _resolve = resolve;
        _trust = trust;
        _port = port;
        _timeout = timeout;
    }

    public async Task<MtaStsFetch> FetchAsync(string domain, CancellationToken cancellationToken)
    {
        var host = "mta-sts." + domain;
        var url = _port == 443
            ? $"https://{host}/.well-known/mta-sts.txt"
            : string.Create(CultureInfo.InvariantCulture, $"https://{host}:{_port}/.well-known/mta-sts.txt");

        // One handler per fetch: fetches are rare (one per domain and max_age), and the certificate's problem belongs to this fetch alone.
        var check = new CertificateCheck();
        var validate = _trust.CreateCallback(check);
        using var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectCallback = ConnectAsync,
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = validate,
            },
        };
        using var client = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url) { Version = HttpVersion.Version11 };
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("MailSender", null));
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if ((int)response.StatusCode is >= 300 and < 400)
            {
                return MtaStsFetch.Failed(string.Create(CultureInfo.InvariantCulture, $"{url} answered with a redirect (HTTP {(int)response.StatusCode}), which MTA-STS does not follow"));
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                return MtaStsFetch.Failed(string.Create(CultureInfo.InvariantCulture, $"{url} answered HTTP {(int)response.StatusCode}, not 200"));
            }

            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (!string.Equals(mediaType, "text/plain", StringComparison.OrdinalIgnoreCase))
            {
                return MtaStsFetch.Failed($"{url} was served as '{mediaType ?? "no content type"}', not text/plain");
            }

            if (response.Content.Headers.ContentLength > MaxBodyBytes)
            {
                return MtaStsFetch.Failed(string.Create(CultureInfo.InvariantCulture, $"{url} is larger than {MaxBodyBytes / 1024} KiB"));
            }

            var body = await ReadLimitedAsync(response.Content, deadline.Token).ConfigureAwait(false);
            return body is null
                ? MtaStsFetch.Failed(string.Create(CultureInfo.InvariantCulture, $"{url} is larger than {MaxBodyBytes / 1024} KiB"))
                : new MtaStsFetch(body, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return MtaStsFetch.Failed(string.Create(CultureInfo.InvariantCulture, $"fetching {url} took longer than {_timeout.TotalSeconds:0.#} s"));
        }
        catch (HttpRequestException ex)
        {
            var reason = check.Problem is { } certificate
                ? "the web server's certificate is not valid: " + certificate
                : Innermost(ex).Message;
            return MtaStsFetch.Failed($"fetching {url} failed: {reason}");
        }
        catch (IOException ex)
        {
            return MtaStsFetch.Failed($"fetching {url} failed: {ex.Message}");
        }
        catch (DecoderFallbackException)
        {
            return MtaStsFetch.Failed($"{url} is not UTF-8 text");
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        IReadOnlyList<IPAddress> addresses;
        try
        {
            addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await _resolve(host, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new HttpRequestException($"the address lookup of '{host}' failed: {ex.Message}", ex);
        }

        if (addresses.Count == 0)
        {
            throw new HttpRequestException($"'{host}' has no A or AAAA record");
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw new HttpRequestException($"could not connect to '{host}': {last!.Message}", last);
    }

    /// <summary>Reads the body as UTF-8, or returns <see langword="null"/> past <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<string?> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[MaxBodyBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
            }

            if (length > MaxBodyBytes)
            {
                return null;
            }

            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(buffer, 0, length);
        }
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is { } inner)
        {
            ex = inner;
        }

        return ex;
    }
}
