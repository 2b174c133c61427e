using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailKit.Security;
using MailSender.Diagnostics;
using MailSender.Internal;

namespace MailSender.Smtp.Protocol;

/// <summary>
/// Opens SMTP sessions: TCP with TCP_NODELAY, TLS (implicit, or STARTTLS done here), the greeting and EHLO, then hands
/// MailKit the plaintext <see cref="SmtpWireStream"/> and, when asked, authenticates. The one way MailSender connects:
/// the SMTP transport, direct delivery and endpoint detection all use it.
/// </summary>
/// <remarks>
/// STARTTLS is negotiated before MailKit sees the stream, so that every byte MailKit reads or writes goes through the
/// wire stream above TLS; MailKit then reads the greeting again (replayed) and sends its own EHLO over the encrypted session.
/// </remarks>
internal sealed class SmtpConnector
{
    private readonly TimeProvider _timeProvider;
    private readonly MailSenderTelemetry _telemetry;

    // Servers that refused a pipelined BDAT: every transport of the container falls back to pipelining=on for them.
    private readonly PipeliningHistory _pipelining = new();

    public SmtpConnector(TimeProvider timeProvider, MailSenderTelemetry telemetry)
    {
        _timeProvider = timeProvider;
        _telemetry = telemetry;
    }

    /// <summary>Opens a session within the connect timeout, with spans for connect, TLS and authenticate.</summary>
    /// <param name="endpoint">Where to connect and how.</param>
    /// <param name="trust">The certificate policy.</param>
    /// <param name="history">Endpoints seen with TLS before (downgrade protection); <see langword="null"/> where encryption is opportunistic (direct delivery).</param>
    /// <param name="authenticate">Whether to authenticate with the endpoint's credentials (the probe checks usability first).</param>
    /// <param name="info">Filled as the connection goes, so a failure still reports what was seen; a new one when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the attempt: nothing is sent.</param>
    /// <exception cref="EmailSendException">The connection, TLS or authentication failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<SmtpSession> ConnectAsync(SmtpEndpoint endpoint, CertificateValidator trust, TlsHistory? history, bool authenticate, SmtpConnectionInfo? info, CancellationToken cancellationToken)
    {
        info ??= new SmtpConnectionInfo();
        var started = _timeProvider.GetTimestamp();
        var span = MailSenderTelemetry.StartSmtp(TelemetryNames.ConnectSpan, endpoint.Host, endpoint.Port);
        SmtpWireStream? wire = null;
        SmtpProtocolClient? client = null;
        var phase = SmtpPhase.Connect;
        try
        {
            (wire, client) = await OpenAsync(endpoint, trust, history, info, cancellationToken).ConfigureAwait(false);
            SmtpTelemetry.TlsHandshake(info, error: null);
            var session = new SmtpSession(endpoint, client, wire, info, _telemetry, _pipelining);
            if (authenticate && endpoint.Credentials is not null)
            {
                span = SmtpTelemetry.Authenticating(span, endpoint);
                phase = SmtpPhase.Authenticate;
                await session.AuthenticateAsync(cancellationToken).ConfigureAwait(false);
            }

            _telemetry.Opened(span, endpoint, info, session.IsAuthenticated, _timeProvider.GetElapsedTime(started));
            return session;
        }
        catch (Exception ex)
        {
            if (phase == SmtpPhase.Connect)
            {
                SmtpTelemetry.TlsHandshake(info, ex);
            }

            client?.Dispose();
            wire?.Dispose();
            var error = ex switch
            {
                EmailSendException or OperationCanceledException => ex,
                _ => SmtpErrorMapper.Map(ex, phase, endpoint, null, info),
            };
            _telemetry.OpenFailed(span, endpoint, error);
            if (ReferenceEquals(error, ex))
            {
                throw;
            }

            throw error;
        }
    }

    private async Task<(SmtpWireStream Wire, SmtpProtocolClient Client)> OpenAsync(SmtpEndpoint endpoint, CertificateValidator trust, TlsHistory? history, SmtpConnectionInfo info, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(endpoint.ConnectTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp)
        {
            // Without it, Nagle's algorithm and delayed ACKs stall every reused-connection send by ~40 ms.
            NoDelay = true,
        };

        // Closing the socket unblocks every pending operation, even one that would not watch the token (e.g. a TLS port waiting for a ClientHello).
        var closeOnCancel = linked.Token.Register(static s => ((Socket)s!).Dispose(), socket);
        SmtpWireStream? wire = null;
        SmtpProtocolClient? client = null;
        try
        {
            if (endpoint.ConnectAddress is { } address)
            {
                // Direct delivery resolved the MX host itself (with its own name servers); TLS still checks the host name.
                await socket.ConnectAsync(address, endpoint.Port, linked.Token).ConfigureAwait(false);
            }
            else
            {
                await socket.ConnectAsync(endpoint.Host, endpoint.Port, linked.Token).ConfigureAwait(false);
            }

            Stream network = new NetworkStream(socket, ownsSocket: true);
            if (endpoint.ImplicitTls)
            {
                network = await HandshakeAsync(network, endpoint, trust, info, linked.Token).ConfigureAwait(false);
            }

            wire = new SmtpWireStream(network, endpoint.ConnectTimeout);
            wire.BeginOperation(linked.Token);
            var greeting = await wire.ReadReplyAsync().ConfigureAwait(false);
            info.Greeting = greeting.Lines.Count > 0 ? $"{greeting.Code} {greeting.Lines[0]}" : greeting.Code.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (greeting.Code != 220)
            {
                throw SmtpErrorMapper.Greeting(greeting, endpoint);
            }

            var ehlo = HostNames.EhloArgument(endpoint.EhloName);
            if (!endpoint.ImplicitTls && endpoint.Security != SmtpSecurity.None)
            {
                await NegotiateStartTlsAsync(wire, ehlo, endpoint, trust, history, info, linked.Token).ConfigureAwait(false);
            }

            if (info.IsSecure)
            {
                history?.MarkSecure(endpoint.Host, endpoint.Port);
            }

            // MailKit reads the greeting again from the stream and sends its EHLO over the (now encrypted) session.
            wire.Replay(greeting.Raw);
            client = new SmtpProtocolClient { LocalDomain = ehlo };
            await client.ConnectAsync(wire, endpoint.Host, endpoint.Port, SecureSocketOptions.None, CancellationToken.None).ConfigureAwait(false);
            wire.EndOperation();
            wire.SetTimeout(endpoint.CommandTimeout);
            return (wire, client);
        }
        catch (Exception ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested && ex is not EmailSendException)
        {
            client?.Dispose();
            (wire ?? (IDisposable)socket).Dispose();
            throw SmtpErrorMapper.TimeoutError(ex, SmtpPhase.Connect, endpoint);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not EmailSendException)
        {
            client?.Dispose();
            (wire ?? (IDisposable)socket).Dispose();
            throw new OperationCanceledException("The send was cancelled while connecting; nothing was sent.", ex, cancellationToken);
        }
        catch
        {
            client?.Dispose();
            (wire ?? (IDisposable)socket).Dispose();
            throw;
        }
        finally
        {
            await closeOnCancel.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>EHLO, then STARTTLS when offered (or required); refuses to go on in plain text where an earlier connection had TLS.</summary>
    private static async Task NegotiateStartTlsAsync(SmtpWireStream wire, string ehlo, SmtpEndpoint endpoint, CertificateValidator trust, TlsHistory? history, SmtpConnectionInfo info, CancellationToken cancellationToken)
    {
        var reply = await wire.CommandAsync("EHLO " + ehlo).ConfigureAwait(false);
        info.EhloAnswered = true;
        info.StartTlsOffered = reply.Code == 250 && reply.HasKeyword("STARTTLS");
        if (!info.StartTlsOffered)
        {
            if (endpoint.Security == SmtpSecurity.StartTls)
            {
                throw history?.WasSecure(endpoint.Host, endpoint.Port) == true
                    ? SmtpErrorMapper.Downgrade(endpoint)
                    : SmtpErrorMapper.StartTlsNotOffered(endpoint);
            }

            if (history?.WasSecure(endpoint.Host, endpoint.Port) == true)
            {
                // A STARTTLS that disappears is a downgrade, never a reason to send in clear; nothing was written yet.
                throw SmtpErrorMapper.Downgrade(endpoint);
            }

            return;
        }

        var ready = await wire.CommandAsync("STARTTLS").ConfigureAwait(false);
        if (ready.Code != 220)
        {
            throw SmtpErrorMapper.StartTlsRefused(ready, endpoint);
        }

        wire.SetInner(await HandshakeAsync(wire.Inner, endpoint, trust, info, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<SslStream> HandshakeAsync(Stream network, SmtpEndpoint endpoint, CertificateValidator trust, SmtpConnectionInfo info, CancellationToken cancellationToken)
    {
        var validate = trust.CreateCallback(info.Certificate);
        var ssl = new SslStream(network, leaveInnerStreamOpen: false, (sender, certificate, chain, errors) =>
        {
            if (certificate is not null)
            {
                info.CertificateSubject = certificate.Subject;
                if (certificate is X509Certificate2 typed)
                {
                    info.CertificateNotAfter = new DateTimeOffset(typed.NotAfter.ToUniversalTime(), TimeSpan.Zero);
                }
            }

            return validate(sender, certificate, chain, errors);
        });
        info.TlsStarted = TimeProvider.System.GetUtcNow();
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = endpoint.Host,

            // As MailKit does by default: a revoked certificate is refused.
            CertificateRevocationCheckMode = X509RevocationMode.Online,
        };
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException && !cancellationToken.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new SslHandshakeException("The TLS handshake failed: " + ex.Message, ex);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        info.TlsEnded = TimeProvider.System.GetUtcNow();
        info.IsSecure = true;
        info.TlsProtocol = ssl.SslProtocol;
        info.CipherSuite = ssl.NegotiatedCipherSuite;
        return ssl;
    }
}
