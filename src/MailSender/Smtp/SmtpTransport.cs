using System.Net;
using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using MailSender.Internal;
using MimeKit;
using MimeKit.IO;

namespace MailSender.Smtp;

/// <summary>
/// Sends through one SMTP server with MailKit: connect (TCP_NODELAY), TLS, authenticate, send, QUIT.
/// </summary>
/// <remarks>
/// One connection per message for now; the connection steps live in <see cref="ConnectAsync"/> so a pool can reuse them.
/// </remarks>
internal sealed class SmtpTransport : IEmailTransport
{
    private readonly SmtpTransportSettings _settings;
    private readonly TimeProvider _timeProvider;
    private readonly CertificateValidator _certificates;

    public SmtpTransport(SmtpTransportSettings settings, TimeProvider timeProvider)
    {
        _settings = settings;
        _timeProvider = timeProvider;

        // Load the CA file now, so a bad path fails at start-up rather than at the first send.
        _certificates = new CertificateValidator(settings.TrustedCaFile, settings.TrustedCertificateThumbprint);
    }

    public string Name => _settings.DisplayName;

    internal SmtpTransportSettings Settings => _settings;

    public async Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(envelope);

        using var client = new RecordingSmtpClient();
        var certificate = new CertificateCheck();
        var phase = SmtpPhase.Connect;
        try
        {
            await ConnectAsync(client, certificate, cancellationToken).ConfigureAwait(false);
            phase = SmtpPhase.Authenticate;
            await AuthenticateAsync(client, cancellationToken).ConfigureAwait(false);
            phase = SmtpPhase.Envelope;
            CheckCapabilities(client, message, envelope);
            var response = await client.SendAsync(MessagePreparer.WireFormat, message, envelope.Sender, envelope.Recipients, cancellationToken).ConfigureAwait(false);
            phase = SmtpPhase.Data;
            await QuitAsync(client).ConfigureAwait(false);

            var rejected = client.Rejected.ToArray();
            return new SendResult
            {
                MessageId = message.MessageId ?? string.Empty,
                AcceptedRecipients = envelope.Recipients.Select(r => r.Address).Where(a => !rejected.Any(x => string.Equals(x.Address, a, StringComparison.OrdinalIgnoreCase))).ToArray(),
                RejectedRecipients = rejected,
                ServerResponse = response,
                Transport = Name,
            };
        }
        catch (EmailSendException)
        {
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !client.EndOfDataWritten)
        {
            // Cancelled before the message was handed over: nothing was sent.
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw SmtpErrorMapper.Map(ex, phase, _settings, client, certificate);
        }
    }

    /// <summary>Opens a connection: TCP with TCP_NODELAY, TLS as configured, greeting and EHLO, within the connect timeout.</summary>
    internal async Task ConnectAsync(RecordingSmtpClient client, CertificateCheck certificate, CancellationToken cancellationToken)
    {
        client.Timeout = (int)Math.Min(int.MaxValue, _settings.CommandTimeout.TotalMilliseconds);
        client.ServerCertificateValidationCallback = _certificates.CreateCallback(certificate);
        if (_settings.EhloName is not null)
        {
            client.LocalDomain = _settings.EhloName;
        }

        using var timeout = new CancellationTokenSource(_settings.ConnectTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp)
        {
            // Without it, Nagle's algorithm and delayed ACKs stall every reused-connection send by ~40 ms.
            NoDelay = true,
        };
        try
        {
            await socket.ConnectAsync(_settings.Host, _settings.Port, linked.Token).ConfigureAwait(false);
            await client.ConnectAsync(socket, _settings.Host, _settings.Port, ToMailKit(_settings), linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw SmtpErrorMapper.TimeoutError(ex, SmtpPhase.Connect, _settings, $"{_settings.Host}:{_settings.Port}", Name);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    internal async Task AuthenticateAsync(RecordingSmtpClient client, CancellationToken cancellationToken)
    {
        if (_settings.UserName is null)
        {
            return;
        }

        var endpoint = $"{_settings.Host}:{_settings.Port}";
        if (!client.IsSecure && !_settings.AllowInsecureAuthentication)
        {
            throw new EmailSendException(EmailErrorKind.TlsFailed, $"Refusing to send the credentials of user '{_settings.UserName}' to {endpoint} over an unencrypted connection.")
            {
                IsTransient = false,
                Transport = Name,
                Hint = "The server offered no STARTTLS. Use port 587 with STARTTLS or 465 with implicit TLS (smtps://); only for a trusted local relay set allowInsecureAuth=true (MailSender:AllowInsecureAuthentication).",
            };
        }

        if (!client.Capabilities.HasFlag(SmtpCapabilities.Authentication) || client.AuthenticationMechanisms.Count == 0)
        {
            throw new EmailSendException(EmailErrorKind.AuthenticationFailed, $"{endpoint} does not offer authentication (AUTH), but a user name is configured.")
            {
                IsTransient = false,
                Transport = Name,
                Hint = "The server may only offer AUTH after STARTTLS, or on its submission port (587/465); a relay that trusts your IP needs no user name.",
            };
        }

        var password = _settings.Password ?? throw new EmailSendException(EmailErrorKind.Configuration, $"No password is configured for user '{_settings.UserName}'.")
        {
            Transport = Name,
            Hint = "Set MailSender:Password, the MAILSENDER_PASSWORD environment variable, or put it in the URI (smtp://user:password@host).",
        };
        await client.AuthenticateAsync(new NetworkCredential(_settings.UserName, password), cancellationToken).ConfigureAwait(false);
    }

    private void CheckCapabilities(SmtpClient client, MimeMessage message, MailEnvelope envelope)
    {
        if (!client.Capabilities.HasFlag(SmtpCapabilities.UTF8))
        {
            var international = envelope.Recipients.Append(envelope.Sender)
                .Concat(message.From.Mailboxes).Concat(message.To.Mailboxes).Concat(message.Cc.Mailboxes).Concat(message.ReplyTo.Mailboxes)
                .FirstOrDefault(m => !AddressParser.IsAscii(m.LocalPart));
            if (international is not null)
            {
                throw new EmailSendException(EmailErrorKind.UnsupportedByServer, $"The address '{international.Address}' has non-ASCII characters before '@', but {_settings.Host}:{_settings.Port} does not support SMTPUTF8.")
                {
                    IsTransient = false,
                    Transport = Name,
                    Hint = "Use a server that advertises SMTPUTF8, or an ASCII address for this recipient.",
                };
            }
        }

        if (client.Capabilities.HasFlag(SmtpCapabilities.Size) && client.MaxSize > 0)
        {
            using var measure = new MeasuringStream();
            message.WriteTo(MessagePreparer.WireFormat, measure);
            if (measure.Length > client.MaxSize)
            {
                throw new EmailSendException(EmailErrorKind.MessageTooLarge, $"The message is {measure.Length:N0} bytes, but {_settings.Host}:{_settings.Port} accepts at most {client.MaxSize:N0} bytes (SIZE).")
                {
                    IsTransient = false,
                    Transport = Name,
                    Hint = SmtpHints.ForReply(552, null, null),
                };
            }
        }
    }

    private static async Task QuitAsync(SmtpClient client)
    {
        try
        {
            // The message is accepted; a failed QUIT must not turn success into an error.
            await client.DisconnectAsync(true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or MailKit.ProtocolException or OperationCanceledException or TimeoutException)
        {
        }
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
