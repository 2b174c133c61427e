using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MailSender.Internal;

namespace MailSender.Smtp.Protocol;

/// <summary>
/// Turns MailKit, TLS and socket exceptions into <see cref="EmailSendException"/> with a kind, whether retrying may help,
/// the server's reply (redacted) and a hint. The one mapping table of the SMTP engine.
/// </summary>
internal static class SmtpErrorMapper
{
    /// <param name="exception">What failed.</param>
    /// <param name="phase">Where: connect, authenticate or the transaction (refined to DATA by the wire stream).</param>
    /// <param name="endpoint">The endpoint, for messages, hints and <see cref="EmailSendException.Transport"/>.</param>
    /// <param name="session">The session, once connected: its refused recipients, its phase and the secrets to redact.</param>
    /// <param name="info">What the connection saw (the certificate problem).</param>
    /// <param name="transaction">The transaction that failed, if any: whether its envelope was answered and its end written, and its refused recipients.</param>
    public static EmailSendException Map(Exception exception, SmtpPhase phase, SmtpEndpoint endpoint, SmtpSession? session, SmtpConnectionInfo info, TransactionState? transaction = null)
    {
        var secrets = session?.Secrets;
        var inner = secrets?.Sanitize(exception) ?? exception;
        if (phase == SmtpPhase.Envelope && transaction?.InMessageTransfer == true)
        {
            // Once the envelope is answered, a failure belongs to the message transfer.
            phase = SmtpPhase.Data;
        }

        if (transaction?.FinalWritten == true && exception is not SmtpCommandException)
        {
            return new EmailSendException(EmailErrorKind.DeliveryUncertain, $"The connection to {endpoint.Address} failed after the whole message was sent, before the server replied: it may have been accepted.", inner)
            {
                MayHaveBeenAccepted = true,
                Transport = endpoint.DisplayName,
                Hint = "The message is not sent again automatically, to avoid a duplicate. Check whether it arrived before resending.",
            };
        }

        switch (exception)
        {
            case SmtpProtocolClient.NoRecipientsAcceptedException:
            {
                var rejected = transaction?.Rejected ?? [];
                var first = rejected.FirstOrDefault();
                return new EmailSendException(EmailErrorKind.RecipientsRejected, $"{endpoint.Address} refused every recipient: " + string.Join("; ", rejected.Select(r => $"{r.Address} ({r.StatusCode} {r.ServerText})")), inner)
                {
                    IsTransient = rejected.Count > 0 && rejected.TrueForAll(r => r.IsTransient),
                    StatusCode = first?.StatusCode,
                    EnhancedStatusCode = first?.EnhancedStatusCode,
                    ServerText = first?.ServerText,
                    Recipients = rejected.ToArray(),
                    Transport = endpoint.DisplayName,
                    Hint = first is null ? null : SmtpHints.ForReply(first.StatusCode, first.EnhancedStatusCode, first.ServerText),
                };
            }

            case SmtpCommandException command:
                return FromCommand(command, phase, endpoint, secrets, inner);

            case AuthenticationException auth:
            {
                // MailKit words a refused AUTH as "535: 5.7.8 Error: authentication failed".
                var reply = Redact(secrets, auth.Message);
                var (replyCode, text) = SmtpReply.SplitStatusCode(reply);
                var enhanced = SmtpReply.EnhancedStatusCode(text);
                var code = replyCode ?? (enhanced is "5.7.8" ? 535 : null);
                return new EmailSendException(EmailErrorKind.AuthenticationFailed, $"{endpoint.Address} refused the credentials of user '{endpoint.DisplayUserName}': {reply}", inner)
                {
                    // 454 (e.g. too many login attempts) is temporary; 535 and friends are not.
                    IsTransient = code is >= 400 and < 500,
                    StatusCode = code,
                    EnhancedStatusCode = enhanced,
                    ServerText = text,
                    Transport = endpoint.DisplayName,
                    Hint = SmtpHints.ForReply(code ?? 535, enhanced, text, endpoint),
                };
            }

            case ServiceNotAuthenticatedException notAuthenticated:
            {
                // A 530 before MAIL FROM: the server wants STARTTLS or AUTH first.
                var reply = Redact(secrets, notAuthenticated.Message);
                var (replyCode, text) = SmtpReply.SplitStatusCode(reply);
                var enhanced = SmtpReply.EnhancedStatusCode(text);
                return new EmailSendException(EmailErrorKind.AuthenticationFailed, $"{endpoint.Address} requires authentication before sending: {reply}", inner)
                {
                    StatusCode = replyCode ?? 530,
                    EnhancedStatusCode = enhanced,
                    ServerText = text,
                    Transport = endpoint.DisplayName,
                    Hint = SmtpHints.ForReply(530, enhanced, text, endpoint),
                };
            }

            case SslHandshakeException or System.Security.Authentication.AuthenticationException:
                return new EmailSendException(EmailErrorKind.TlsFailed, $"The TLS handshake with {endpoint.Address} failed" + (info.Certificate.Problem is null ? "." : ": " + info.Certificate.Problem + "."), inner)
                {
                    Transport = endpoint.DisplayName,
                    Hint = TlsHint(endpoint, info.Certificate),
                };

            case SmtpReplyTooLongException tooLong:
                return new EmailSendException(EmailErrorKind.ProtocolError, $"{endpoint.Address} sent a reply longer than {tooLong.Limit:N0} octets during {Describe(phase)}; the connection was closed.", inner)
                {
                    // A server that floods its replies will do it again: retrying only costs memory and time.
                    Transport = endpoint.DisplayName,
                    Hint = "The server is misbehaving (or is not an SMTP server): replies are at most a few hundred octets a line. Check the host and port.",
                };
        }

        if (FindSocketError(exception) is { } socketError)
        {
            return FromSocket(socketError, inner, phase, endpoint);
        }

        if (IsTimeout(exception))
        {
            return TimeoutError(inner, phase, endpoint);
        }

        var message = Redact(secrets, exception.Message);
        if (exception is SmtpProtocolException or ServiceNotConnectedException or IOException or ProtocolException)
        {
            return new EmailSendException(EmailErrorKind.ProtocolError, $"The connection to {endpoint.Address} failed during {Describe(phase)}: {message}", inner)
            {
                IsTransient = true,
                Transport = endpoint.DisplayName,
                Hint = phase == SmtpPhase.Connect && endpoint.Security == SmtpSecurity.Implicit && endpoint.Port != MailSenderDefaults.SmtpsPort
                    ? $"Port {endpoint.Port} may expect plain text first (STARTTLS); use smtp:// with security=starttls."
                    : null,
            };
        }

        return new EmailSendException(EmailErrorKind.ProtocolError, $"Sending through {endpoint.Address} failed during {Describe(phase)}: {message}", inner)
        {
            IsTransient = true,
            Transport = endpoint.DisplayName,
        };
    }

    public static EmailSendException TimeoutError(Exception? exception, SmtpPhase phase, SmtpEndpoint endpoint)
    {
        string? hint = null;
        if (phase == SmtpPhase.Connect)
        {
            hint = endpoint.Port == 25
                ? SmtpHints.Port25Blocked
                : !endpoint.ImplicitTls && endpoint.Port == MailSenderDefaults.SmtpsPort
                    ? "Port 465 expects TLS from the first byte; use smtps:// (security=implicit)."
                    : "Check the host and port, and that a firewall does not drop the connection.";
        }

        return new EmailSendException(EmailErrorKind.Timeout, $"{endpoint.Address} did not answer in time during {Describe(phase)}.", exception)
        {
            IsTransient = true,
            Transport = endpoint.DisplayName,
            Hint = hint,
        };
    }

    /// <summary>A greeting other than 220: 421 (busy, try later) or 554 (no service for this client).</summary>
    public static EmailSendException Greeting(SmtpWireReply reply, SmtpEndpoint endpoint)
    {
        var enhanced = SmtpReply.EnhancedStatusCode(reply.Text);
        var transient = reply.Code is >= 400 and < 500;
        return new EmailSendException(transient ? EmailErrorKind.ServerBusy : EmailErrorKind.ConnectionFailed, $"{endpoint.Address} refused the connection in its greeting: {reply.Code} {reply.Text}")
        {
            IsTransient = transient,
            StatusCode = reply.Code,
            EnhancedStatusCode = enhanced,
            ServerText = reply.Text,
            Transport = endpoint.DisplayName,
            Hint = SmtpHints.ForReply(reply.Code, enhanced, reply.Text) ?? (transient ? null : "The server does not accept mail from this client; check the host and whether your IP address is allowed."),
        };
    }

    public static EmailSendException StartTlsNotOffered(SmtpEndpoint endpoint) =>
        new(EmailErrorKind.TlsFailed, $"{endpoint.Address} does not offer STARTTLS, and security=starttls requires it.")
        {
            Transport = endpoint.DisplayName,
            Hint = endpoint.Port == MailSenderDefaults.SmtpsPort
                ? "Port 465 uses implicit TLS: use smtps:// (security=implicit)."
                : "The server offers no encryption on this port. Try port 587 or 465, or use security=none only for a trusted local relay without credentials.",
        };

    public static EmailSendException StartTlsRefused(SmtpWireReply reply, SmtpEndpoint endpoint) =>
        new(EmailErrorKind.TlsFailed, $"{endpoint.Address} refused STARTTLS: {reply.Code} {reply.Text}")
        {
            IsTransient = reply.Code is >= 400 and < 500,
            StatusCode = reply.Code,
            EnhancedStatusCode = SmtpReply.EnhancedStatusCode(reply.Text),
            ServerText = reply.Text,
            Transport = endpoint.DisplayName,
            Hint = SmtpHints.ForReply(reply.Code, SmtpReply.EnhancedStatusCode(reply.Text), reply.Text),
        };

    /// <summary>An endpoint seen with TLS that now offers none: refused before any AUTH or MAIL is written.</summary>
    public static EmailSendException Downgrade(SmtpEndpoint endpoint) =>
        new(EmailErrorKind.TlsFailed, $"{endpoint.Address} did not offer STARTTLS, although it did on an earlier connection: refusing to continue unencrypted (possible STARTTLS stripping).")
        {
            Transport = endpoint.DisplayName,
            Hint = SmtpHints.StartTlsStripped,
        };

    private static EmailSendException FromCommand(SmtpCommandException command, SmtpPhase phase, SmtpEndpoint endpoint, AuthenticationSecrets? secrets, Exception inner)
    {
        var code = (int)command.StatusCode;
        var reply = Redact(secrets, command.Message);
        var enhanced = SmtpReply.EnhancedStatusCode(reply);
        var kind = code == 421 ? EmailErrorKind.ServerBusy : command.ErrorCode switch
        {
            SmtpErrorCode.SenderNotAccepted => EmailErrorKind.SenderRejected,
            SmtpErrorCode.RecipientNotAccepted => EmailErrorKind.RecipientsRejected,
            SmtpErrorCode.MessageNotAccepted when code == 552 || enhanced is "5.3.4" or "5.2.3" => EmailErrorKind.MessageTooLarge,
            SmtpErrorCode.MessageNotAccepted when code is 452 or 451 => EmailErrorKind.ServerBusy,
            SmtpErrorCode.MessageNotAccepted => EmailErrorKind.MessageRejected,

            // A size refusal in reply to the DATA command itself reaches MailKit as an unexpected status code.
            _ when phase == SmtpPhase.Data && (code == 552 || enhanced is "5.3.4" or "5.2.3") => EmailErrorKind.MessageTooLarge,
            _ when phase == SmtpPhase.Authenticate || code is 530 or 534 or 535 || enhanced is "5.7.139" => EmailErrorKind.AuthenticationFailed,
            _ when code is >= 400 and < 500 => EmailErrorKind.ServerBusy,
            _ => EmailErrorKind.ProtocolError,
        };

        var recipients = command.ErrorCode == SmtpErrorCode.RecipientNotAccepted && command.Mailbox is not null
            ? new[] { new RejectedRecipient(command.Mailbox.Address, code, enhanced, reply) }
            : [];
        return new EmailSendException(kind, $"{endpoint.Address} replied {code} during {Describe(phase)}: {reply}", inner)
        {
            IsTransient = code is >= 400 and < 500,
            StatusCode = code,
            EnhancedStatusCode = enhanced,
            ServerText = reply,
            Recipients = recipients,
            Transport = endpoint.DisplayName,
            Hint = SmtpHints.ForReply(code, enhanced, reply, endpoint),
        };
    }

    private static EmailSendException FromSocket(SocketException socket, Exception exception, SmtpPhase phase, SmtpEndpoint endpoint) =>
        socket.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => new EmailSendException(EmailErrorKind.ConnectionFailed, $"{endpoint.Address} refused the connection.", exception)
            {
                IsTransient = true,
                Transport = endpoint.DisplayName,
                Hint = $"Nothing is listening on port {endpoint.Port} at {endpoint.Host}: check the port (587 STARTTLS, 465 implicit TLS, 25, 2525) and that the server is running.",
            },
            SocketError.HostNotFound or SocketError.NoData => new EmailSendException(EmailErrorKind.ConnectionFailed, $"The host '{endpoint.Host}' was not found in DNS.", exception)
            {
                Transport = endpoint.DisplayName,
                Hint = "Check the spelling of the host name.",
            },
            SocketError.TryAgain => new EmailSendException(EmailErrorKind.ConnectionFailed, $"The host '{endpoint.Host}' could not be resolved right now.", exception)
            {
                IsTransient = true,
                Transport = endpoint.DisplayName,
            },
            SocketError.TimedOut => TimeoutError(exception, phase, endpoint),
            _ => new EmailSendException(EmailErrorKind.ConnectionFailed, $"The connection to {endpoint.Address} failed during {Describe(phase)}: {socket.Message}", exception)
            {
                IsTransient = true,
                Transport = endpoint.DisplayName,
                Hint = phase == SmtpPhase.Connect && endpoint.Port == 25 ? SmtpHints.Port25Blocked : null,
            },
        };

    private static string TlsHint(SmtpEndpoint endpoint, CertificateCheck certificate)
    {
        if (certificate.Problem is null)
        {
            return endpoint.Security == SmtpSecurity.Implicit && endpoint.Port != MailSenderDefaults.SmtpsPort
                ? $"The server on port {endpoint.Port} may not speak TLS from the first byte: port 587 and 25 use STARTTLS (smtp:// with security=starttls); 465 uses implicit TLS (smtps://)."
                : "The server and this machine could not agree on TLS (protocol version or cipher).";
        }

        return SmtpHints.ForCertificate(certificate.Problem);
    }

    private static string Redact(AuthenticationSecrets? secrets, string text) => secrets is null ? text : secrets.Redact(text);

    private static SocketException? FindSocketError(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is SocketException socket)
            {
                return socket;
            }
        }

        return null;
    }

    private static bool IsTimeout(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    private static string Describe(SmtpPhase phase) => phase switch
    {
        SmtpPhase.Connect => "connection and greeting",
        SmtpPhase.Authenticate => "authentication",
        SmtpPhase.Envelope => "the envelope (MAIL FROM / RCPT TO)",
        _ => "message transfer (DATA)",
    };
}
