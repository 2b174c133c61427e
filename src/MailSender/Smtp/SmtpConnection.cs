using System.Net;
using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using MailSender.Diagnostics;
using MailSender.Authentication;
using MailSender.Pooling.Internal;

namespace MailSender.Smtp;

/// <summary>
/// One open, authenticated SMTP connection: TCP with TCP_NODELAY, TLS as configured, greeting, EHLO and AUTH.
/// </summary>
internal sealed class SmtpConnection : IPoolableConnection
{
    private readonly MailSenderTelemetry _telemetry;

    private SmtpConnection(RecordingSmtpClient client, CertificateCheck certificate, SmtpTransportSettings settings, MailSenderTelemetry telemetry)
    {
        Client = client;
        Certificate = certificate;
        Settings = settings;
        _telemetry = telemetry;
    }

    /// <summary>Gets the settings this connection was opened with (after detection: the detected host, port and security).</summary>
    public SmtpTransportSettings Settings { get; }

    public RecordingSmtpClient Client { get; }

    /// <summary>Gets what certificate validation found on this connection, for error messages.</summary>
    public CertificateCheck Certificate { get; }

    public bool IsConnected => Client.IsConnected;

    /// <summary>Opens and authenticates a connection within the connect timeout, with spans for connect, TLS and authenticate.</summary>
    /// <param name="settings">Where to connect and how.</param>
    /// <param name="certificates">The certificate policy.</param>
    /// <param name="history">Endpoints seen with TLS before (downgrade protection); <see langword="null"/> where encryption is opportunistic.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="telemetry">Where spans, metrics and log events go.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <exception cref="EmailSendException">The connection, TLS or authentication failed.</exception>
    public static async Task<SmtpConnection> OpenAsync(SmtpTransportSettings settings, CertificateValidator certificates, TlsHistory? history, TimeProvider timeProvider, MailSenderTelemetry telemetry, CancellationToken cancellationToken)
    {
        var client = new RecordingSmtpClient();
        var certificate = new CertificateCheck();
        var phase = SmtpPhase.Connect;
        var started = timeProvider.GetTimestamp();
        var span = MailSenderTelemetry.StartSmtp(TelemetryNames.ConnectSpan, settings.Host, settings.Port);
        try
        {
            await ConnectAsync(client, certificate, settings, certificates, timeProvider, cancellationToken).ConfigureAwait(false);
            SmtpTelemetry.TlsHandshake(client, ToMailKit(settings) == SecureSocketOptions.SslOnConnect, error: null);
            CheckDowngrade(client, settings, history);
            span = SmtpTelemetry.Authenticating(span, settings);
            phase = SmtpPhase.Authenticate;
            await AuthenticateAsync(client, settings, cancellationToken).ConfigureAwait(false);
            telemetry.Opened(span, settings, client, timeProvider.GetElapsedTime(started));
            return new SmtpConnection(client, certificate, settings, telemetry);
        }
        catch (Exception ex)
        {
            if (phase == SmtpPhase.Connect)
            {
                SmtpTelemetry.TlsHandshake(client, ToMailKit(settings) == SecureSocketOptions.SslOnConnect, ex);
            }

            client.Dispose();

            if (ex is EmailSendException)
            {
                telemetry.OpenFailed(span, settings, ex);
                throw;
            }

            Exception error;
            if (ex is NotSupportedException && phase == SmtpPhase.Connect && settings.Security == SmtpSecurity.StartTls && history is not null && history.WasSecure(settings.Host, settings.Port))
            {
                // A detected (or configured) STARTTLS endpoint that stops offering it: say why this matters.
                error = Downgrade(settings, ex);
            }
            else if (cancellationToken.IsCancellationRequested)
            {
                // The caller gave up (e.g. during the TLS handshake): nothing was sent.
                error = new OperationCanceledException("The send was cancelled while connecting; nothing was sent.", ex, cancellationToken);
            }
            else
            {
                error = SmtpErrorMapper.Map(ex, phase, settings, client, certificate);
            }

            telemetry.OpenFailed(span, settings, error);
            throw error;
        }
    }

    public async Task<bool> IsAliveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Client.NoOpAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is IOException or SocketException or MailKit.ProtocolException or MailKit.ServiceNotConnectedException or SmtpCommandException or TimeoutException)
        {
            return false;
        }
    }

    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (Client.IsConnected)
            {
                await Client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or MailKit.ProtocolException or SmtpCommandException or OperationCanceledException or TimeoutException)
        {
            // The server is gone or slow: the socket is closed below either way.
        }
        finally
        {
            Client.Dispose();
            SmtpLog.ConnectionClosed(_telemetry.Logger, Settings.Host, Settings.Port);
        }
    }

    public ValueTask DisposeAsync()
    {
        Client.Dispose();
        return ValueTask.CompletedTask;
    }

    private static async Task ConnectAsync(RecordingSmtpClient client, CertificateCheck certificate, SmtpTransportSettings settings, CertificateValidator certificates, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        client.Timeout = (int)Math.Min(int.MaxValue, settings.CommandTimeout.TotalMilliseconds);
        client.ServerCertificateValidationCallback = certificates.CreateCallback(certificate);
        if (settings.EhloName is not null)
        {
            client.LocalDomain = settings.EhloName;
        }

        using var timeout = new CancellationTokenSource(settings.ConnectTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp)
        {
            // Without it, Nagle's algorithm and delayed ACKs stall every reused-connection send by ~40 ms.
            NoDelay = true,
        };
        try
        {
            if (settings.ConnectAddress is { } address)
            {
                // Direct delivery resolved the MX host itself (with its own name servers); TLS still checks the host name.
                await socket.ConnectAsync(address, settings.Port, linked.Token).ConfigureAwait(false);
            }
            else
            {
                await socket.ConnectAsync(settings.Host, settings.Port, linked.Token).ConfigureAwait(false);
            }

            client.TcpConnected = TimeProvider.System.GetUtcNow();
            await client.ConnectAsync(socket, settings.Host, settings.Port, ToMailKit(settings), linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw SmtpErrorMapper.TimeoutError(ex, SmtpPhase.Connect, settings, $"{settings.Host}:{settings.Port}", settings.DisplayName);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Remembers an endpoint seen with TLS; refuses a later plain-text session with it (security=auto), before any AUTH
    /// or MAIL is written: a STARTTLS that disappears is a downgrade, never a reason to send in clear.
    /// </summary>
    private static void CheckDowngrade(RecordingSmtpClient client, SmtpTransportSettings settings, TlsHistory? history)
    {
        if (history is null)
        {
            return;
        }

        if (client.IsSecure)
        {
            history.MarkSecure(settings.Host, settings.Port);
            return;
        }

        if (settings.Security == SmtpSecurity.Auto && history.WasSecure(settings.Host, settings.Port))
        {
            throw Downgrade(settings, null);
        }
    }

    private static EmailSendException Downgrade(SmtpTransportSettings settings, Exception? inner) =>
        new(EmailErrorKind.TlsFailed, $"{settings.Host}:{settings.Port} did not offer STARTTLS, although it did on an earlier connection: refusing to continue unencrypted (possible STARTTLS stripping).", inner)
        {
            IsTransient = false,
            Transport = settings.DisplayName,
            Hint = SmtpHints.StartTlsStripped,
        };

    private static async Task AuthenticateAsync(RecordingSmtpClient client, SmtpTransportSettings settings, CancellationToken cancellationToken)
    {
        if (settings.UserName is null)
        {
            return;
        }

        var endpoint = $"{settings.Host}:{settings.Port}";
        if (!client.IsSecure && !settings.AllowInsecureAuthentication)
        {
            throw new EmailSendException(EmailErrorKind.TlsFailed, $"Refusing to send the credentials of user '{settings.DisplayUserName}' to {endpoint} over an unencrypted connection.")
            {
                IsTransient = false,
                Transport = settings.DisplayName,
                Hint = "The server offered no STARTTLS. Use port 587 with STARTTLS or 465 with implicit TLS (smtps://); only for a trusted local relay set allowInsecureAuth=true (MailSender:AllowInsecureAuthentication).",
            };
        }

        if (!client.Capabilities.HasFlag(SmtpCapabilities.Authentication) || client.AuthenticationMechanisms.Count == 0)
        {
            throw new EmailSendException(EmailErrorKind.AuthenticationFailed, $"{endpoint} does not offer authentication (AUTH), but a user name is configured.")
            {
                IsTransient = false,
                Transport = settings.DisplayName,
                Hint = "The server may only offer AUTH after STARTTLS, or on its submission port (587/465); a relay that trusts your IP needs no user name.",
            };
        }

        if (settings.AccessTokenProvider is { } tokens)
        {
            await OAuthAuthenticator.AuthenticateAsync(client, settings, tokens, settings.UserName, cancellationToken).ConfigureAwait(false);
            return;
        }

        OAuthAuthenticator.ThrowIfOnlyOAuthOffered(client, settings);
        var password = settings.Password ?? throw new EmailSendException(EmailErrorKind.Configuration, $"No password is configured for user '{settings.DisplayUserName}'.")
        {
            Transport = settings.DisplayName,
            Hint = "Set MailSender:Password, the MAILSENDER_PASSWORD environment variable, or put it in the URI (smtp://user:password@host).",
        };
        await client.AuthenticateAsync(new NetworkCredential(settings.UserName, password), cancellationToken).ConfigureAwait(false);
    }

    private static SecureSocketOptions ToMailKit(SmtpTransportSettings settings) => settings.Security switch
    {
        SmtpSecurity.Implicit => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.None => SecureSocketOptions.None,
        _ when settings.Port == MailSenderDefaults.SmtpsPort => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.StartTlsWhenAvailable,
    };
}
