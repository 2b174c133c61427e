using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace MailSender.Smtp;

/// <summary>Turns MailKit and socket exceptions into <see cref="EmailSendException"/> with a kind, the server's reply and a hint.</summary>
internal static class SmtpErrorMapper
{
    public static EmailSendException Map(Exception exception, SmtpPhase phase, SmtpTransportSettings settings, RecordingSmtpClient? client, CertificateCheck certificate)
    {
        var endpoint = $"{settings.Host}:{settings.Port}";
        var transport = settings.DisplayName;
        if (phase == SmtpPhase.Envelope && client is { DataStarted: true })
        {
            // MailKit sends the envelope and the message in one call; the DATA command tells them apart.
            phase = SmtpPhase.Data;
        }

        if (client is { EndOfDataWritten: true } && exception is not SmtpCommandException)
        {
            return new EmailSendException(EmailErrorKind.DeliveryUncertain, $"The connection to {endpoint} failed after the whole message was sent, before the server replied: it may have been accepted.", exception)
            {
                MayHaveBeenAccepted = true,
                IsTransient = false,
                Transport = transport,
                Hint = "The message is not sent again automatically, to avoid a duplicate. Check whether it arrived before resending.",
            };
        }

        switch (exception)
        {
            case RecordingSmtpClient.NoRecipientsAcceptedException when client is not null:
            {
                var first = client.Rejected.FirstOrDefault();
                return new EmailSendException(EmailErrorKind.RecipientsRejected, $"{endpoint} refused every recipient: " + string.Join("; ", client.Rejected.Select(r => $"{r.Address} ({r.StatusCode} {r.ServerText})")), exception)
                {
                    IsTransient = client.Rejected.Count > 0 && client.Rejected.All(r => r.IsTransient),
                    StatusCode = first?.StatusCode,
                    EnhancedStatusCode = first?.EnhancedStatusCode,
                    ServerText = first?.ServerText,
                    Recipients = client.Rejected.ToArray(),
                    Transport = transport,
                    Hint = first is null ? null : SmtpHints.ForReply(first.StatusCode, first.EnhancedStatusCode, first.ServerText),
                };
            }

            case SmtpCommandException command:
                return FromCommand(command, phase, settings, endpoint, transport);

            case AuthenticationException auth:
            {
                // MailKit words a refused AUTH as "535: 5.7.8 Error: authentication failed".
                var (replyCode, text) = SmtpReply.SplitStatusCode(auth.Message);
                var enhanced = SmtpReply.EnhancedStatusCode(text);
                var code = replyCode ?? (enhanced is "5.7.8" ? 535 : null);
                return new EmailSendException(EmailErrorKind.AuthenticationFailed, $"{endpoint} refused the credentials of user '{settings.DisplayUserName}': {auth.Message}", auth)
                {
                    // 454 (e.g. too many login attempts) is temporary; 535 and friends are not.
                    IsTransient = code is >= 400 and < 500,
                    StatusCode = code,
                    EnhancedStatusCode = enhanced,
                    ServerText = text,
                    Transport = transport,
                    Hint = SmtpHints.ForReply(code ?? 535, enhanced, text, settings),
                };
            }

            case ServiceNotAuthenticatedException notAuthenticated:
            {
                // A 530 before MAIL FROM: the server wants STARTTLS or AUTH first.
                var (replyCode, text) = SmtpReply.SplitStatusCode(notAuthenticated.Message);
                var enhanced = SmtpReply.EnhancedStatusCode(text);
                return new EmailSendException(EmailErrorKind.AuthenticationFailed, $"{endpoint} requires authentication before sending: {notAuthenticated.Message}", notAuthenticated)
                {
                    IsTransient = false,
                    StatusCode = replyCode ?? 530,
                    EnhancedStatusCode = enhanced,
                    ServerText = text,
                    Transport = transport,
                    Hint = SmtpHints.ForReply(530, enhanced, text, settings),
                };
            }

            case SslHandshakeException or System.Security.Authentication.AuthenticationException:
                return new EmailSendException(EmailErrorKind.TlsFailed, $"The TLS handshake with {endpoint} failed" + (certificate.Problem is null ? "." : ": " + certificate.Problem + "."), exception)
                {
                    IsTransient = false,
                    Transport = transport,
                    Hint = TlsHint(settings, certificate),
                };

            case NotSupportedException when phase == SmtpPhase.Connect && settings.Security == SmtpSecurity.StartTls:
                return new EmailSendException(EmailErrorKind.TlsFailed, $"{endpoint} does not offer STARTTLS, and security=starttls requires it.", exception)
                {
                    IsTransient = false,
                    Transport = transport,
                    Hint = settings.Port == MailSenderDefaults.SmtpsPort
                        ? "Port 465 uses implicit TLS: use smtps:// (security=implicit)."
                        : "The server offers no encryption on this port. Try port 587 or 465, or use security=none only for a trusted local relay without credentials.",
                };
        }

        if (FindSocketError(exception) is { } socketError)
        {
            return FromSocket(socketError, exception, phase, settings, endpoint, transport);
        }

        if (IsTimeout(exception))
        {
            return TimeoutError(exception, phase, settings, endpoint, transport);
        }

        if (exception is SmtpProtocolException or ServiceNotConnectedException or IOException or ProtocolException)
        {
            return new EmailSendException(EmailErrorKind.ProtocolError, $"The connection to {endpoint} failed during {Describe(phase)}: {exception.Message}", exception)
            {
                Transport = transport,
                Hint = phase == SmtpPhase.Connect && settings.Security == SmtpSecurity.Implicit && settings.Port != MailSenderDefaults.SmtpsPort
                    ? $"Port {settings.Port} may expect plain text first (STARTTLS); use smtp:// with security=starttls."
                    : null,
            };
        }

        return new EmailSendException(EmailErrorKind.ProtocolError, $"Sending through {endpoint} failed during {Describe(phase)}: {exception.Message}", exception)
        {
            Transport = transport,
        };
    }

    public static EmailSendException TimeoutError(Exception? exception, SmtpPhase phase, SmtpTransportSettings settings, string endpoint, string transport)
    {
        string? hint = null;
        if (phase == SmtpPhase.Connect)
        {
            hint = settings.Port == 25
                ? SmtpHints.Port25Blocked
                : settings.Security != SmtpSecurity.Implicit && settings.Port == MailSenderDefaults.SmtpsPort
                    ? "Port 465 expects TLS from the first byte; use smtps:// (security=implicit)."
                    : "Check the host and port, and that a firewall does not drop the connection.";
        }

        return new EmailSendException(EmailErrorKind.Timeout, $"{endpoint} did not answer in time during {Describe(phase)}.", exception)
        {
            Transport = transport,
            Hint = hint,
        };
    }

    private static EmailSendException FromCommand(SmtpCommandException command, SmtpPhase phase, SmtpTransportSettings settings, string endpoint, string transport)
    {
        var code = (int)command.StatusCode;
        var enhanced = SmtpReply.EnhancedStatusCode(command.Message);
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
            ? new[] { new RejectedRecipient(command.Mailbox.Address, code, enhanced, command.Message) }
            : [];
        return new EmailSendException(kind, $"{endpoint} replied {code} during {Describe(phase)}: {command.Message}", command)
        {
            IsTransient = code is >= 400 and < 500,
            StatusCode = code,
            EnhancedStatusCode = enhanced,
            ServerText = command.Message,
            Recipients = recipients,
            Transport = transport,
            Hint = SmtpHints.ForReply(code, enhanced, command.Message, settings),
        };
    }

    private static EmailSendException FromSocket(SocketException socket, Exception exception, SmtpPhase phase, SmtpTransportSettings settings, string endpoint, string transport) =>
        socket.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => new EmailSendException(EmailErrorKind.ConnectionFailed, $"{endpoint} refused the connection.", exception)
            {
                Transport = transport,
                Hint = $"Nothing is listening on port {settings.Port} at {settings.Host}: check the port (587 STARTTLS, 465 implicit TLS, 25, 2525) and that the server is running.",
            },
            SocketError.HostNotFound or SocketError.NoData => new EmailSendException(EmailErrorKind.ConnectionFailed, $"The host '{settings.Host}' was not found in DNS.", exception)
            {
                IsTransient = false,
                Transport = transport,
                Hint = "Check the spelling of the host name.",
            },
            SocketError.TryAgain => new EmailSendException(EmailErrorKind.ConnectionFailed, $"The host '{settings.Host}' could not be resolved right now.", exception)
            {
                Transport = transport,
            },
            SocketError.TimedOut => TimeoutError(exception, phase, settings, endpoint, transport),
            _ => new EmailSendException(EmailErrorKind.ConnectionFailed, $"The connection to {endpoint} failed during {Describe(phase)}: {socket.Message}", exception)
            {
                Transport = transport,
                Hint = phase == SmtpPhase.Connect && settings.Port == 25 ? SmtpHints.Port25Blocked : null,
            },
        };

    private static string TlsHint(SmtpTransportSettings settings, CertificateCheck certificate)
    {
        if (certificate.Problem is null)
        {
            return settings.Security == SmtpSecurity.Implicit && settings.Port != MailSenderDefaults.SmtpsPort
                ? $"The server on port {settings.Port} may not speak TLS from the first byte: port 587 and 25 use STARTTLS (smtp:// with security=starttls); 465 uses implicit TLS (smtps://)."
                : "The server and this machine could not agree on TLS (protocol version or cipher).";
        }

        return SmtpHints.ForCertificate(certificate.Problem);
    }

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
