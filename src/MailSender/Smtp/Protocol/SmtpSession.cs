using System.Net;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailSender.Diagnostics;
using MailSender.Internal;
using MailSender.Smtp.Pooling;
using MimeKit;

namespace MailSender.Smtp.Protocol;

/// <summary>
/// One open SMTP session: authenticates through MailKit over the <see cref="SmtpWireStream"/>, carries transactions through
/// its <see cref="TransactionPipeline"/>, checks it is alive (NOOP) and closes (QUIT). The SMTP transport pools sessions;
/// direct delivery and the probe use one each.
/// </summary>
internal sealed class SmtpSession : IPoolableConnection
{
    private static readonly string[] OAuthMechanisms = ["OAUTHBEARER", "XOAUTH2"];
    private readonly MailSenderTelemetry _telemetry;
    private readonly PipeliningHistory _history;
    private TransactionPipeline? _pipeline;

    public SmtpSession(SmtpEndpoint endpoint, SmtpProtocolClient client, SmtpWireStream wire, SmtpConnectionInfo info, MailSenderTelemetry telemetry, PipeliningHistory history)
    {
        _history = history;
        Endpoint = endpoint;
        Client = client;
        Wire = wire;
        Info = info;
        _telemetry = telemetry;
        Wire.Secrets.Add(endpoint.Credentials?.Password);
    }

    /// <summary>Gets where this session is connected (after detection: the detected host, port and security).</summary>
    public SmtpEndpoint Endpoint { get; }

    public SmtpProtocolClient Client { get; }

    public SmtpWireStream Wire { get; }

    /// <summary>Gets what the connection found: greeting, TLS session, certificate.</summary>
    public SmtpConnectionInfo Info { get; }

    public bool IsSecure => Info.IsSecure;

    public bool IsAuthenticated { get; private set; }

    public bool IsConnected => Client.IsConnected;

    /// <summary>Gets the secrets to keep out of everything the server says.</summary>
    public AuthenticationSecrets Secrets => Wire.Secrets;

    /// <summary>Authenticates with the endpoint's credentials: a password, or an OAuth 2.0 token (OAUTHBEARER, else XOAUTH2).</summary>
    /// <exception cref="EmailSendException">The server refused, authentication is impossible (no TLS, no AUTH) or the token provider failed.</exception>
    public async Task AuthenticateAsync(CancellationToken cancellationToken)
    {
        var credentials = Endpoint.Credentials;
        if (credentials is null)
        {
            return;
        }

        if (!IsSecure && !Endpoint.AllowInsecureAuthentication)
        {
            throw new EmailSendException(EmailErrorKind.TlsFailed, $"Refusing to send the credentials of user '{Endpoint.DisplayUserName}' to {Endpoint.Address} over an unencrypted connection.")
            {
                Transport = Endpoint.DisplayName,
                Hint = "The server offered no STARTTLS. Use port 587 with STARTTLS or 465 with implicit TLS (smtps://); only for a trusted local relay set allowInsecureAuth=true (MailSender:Smtp:AllowInsecureAuthentication).",
            };
        }

        if (!Client.Capabilities.HasFlag(SmtpCapabilities.Authentication) || Client.AuthenticationMechanisms.Count == 0)
        {
            throw new EmailSendException(EmailErrorKind.AuthenticationFailed, $"{Endpoint.Address} does not offer authentication (AUTH), but a user name is configured.")
            {
                Transport = Endpoint.DisplayName,
                Hint = "The server may only offer AUTH after STARTTLS, or on its submission port (587/465); a relay that trusts your IP needs no user name.",
            };
        }

        // Channel binding needs MailKit's own TLS stream; without it a -PLUS mechanism would fail, so the plain variant is used.
        Client.AuthenticationMechanisms.RemoveWhere(m => m.EndsWith("-PLUS", StringComparison.OrdinalIgnoreCase));
        MailKit.Security.SaslMechanism? sasl = null;
        if (credentials.Tokens is { } tokens)
        {
            sasl = await OAuthAuthenticator.CreateMechanismAsync(this, tokens, credentials.UserName, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            ThrowIfOnlyOAuthOffered();
        }

        var password = credentials.Password;
        if (sasl is null && password is null)
        {
            throw new EmailSendException(EmailErrorKind.Configuration, $"No password is configured for user '{Endpoint.DisplayUserName}'.")
            {
                Transport = Endpoint.DisplayName,
                Hint = "Set MailSender:Password, the MAILSENDER_PASSWORD environment variable, or put it in the URI (smtp://user:password@host).",
            };
        }

        Wire.BeginOperation(cancellationToken);
        try
        {
            if (sasl is not null)
            {
                await Client.AuthenticateAsync(sasl, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await Client.AuthenticateAsync(new NetworkCredential(credentials.UserName, password), CancellationToken.None).ConfigureAwait(false);
            }

            IsAuthenticated = true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The send was cancelled while authenticating; nothing was sent.", cancellationToken);
        }
        catch (Exception ex) when (ex is not (EmailSendException or OutOfMemoryException))
        {
            throw SmtpErrorMapper.Map(ex, SmtpPhase.Authenticate, Endpoint, this, Info);
        }
        finally
        {
            Wire.EndOperation();
        }
    }

    /// <summary>Gets the transaction engine of this connection.</summary>
    public TransactionPipeline Pipeline => _pipeline ??= new TransactionPipeline(this, _history);

    /// <summary>
    /// Sends one message on this session alone (direct delivery, which closes the session afterwards). The SMTP transport
    /// feeds its pooled sessions through <see cref="Pipeline"/> instead.
    /// </summary>
    /// <param name="message">The prepared message.</param>
    /// <param name="envelope">The sender and the recipients for this session.</param>
    /// <param name="transport">The transport's name, for results and errors.</param>
    /// <param name="cancellationToken">Cancels the send until the end of the message is written; after that the outcome is reported, never a cancellation.</param>
    /// <returns>The accepted and refused recipients and the server's reply.</returns>
    /// <exception cref="EmailSendException">The server refused the message (or every recipient), or the connection failed.</exception>
    /// <exception cref="SmtpSessionLostException">The connection was gone before the end of the message was written, so it cannot have been accepted.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the end of the message was written: nothing was accepted.</exception>
    public async Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, string transport, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var transaction = new SmtpTransaction(message, envelope, transport, cancellationToken)
        {
            // The pipeline records the DATA span, as for pooled sends.
            TraceParent = MailSenderTelemetry.CurrentContextIfListened(),
        };
        transaction.RegisterCancellation();
        await Pipeline.RunAsync(new SingleTransaction(transaction), connectionWasKnownGood: false).ConfigureAwait(false);
        Pipeline.SignalDecided(inline: true);
        var result = await transaction.Task.ConfigureAwait(false);
        _telemetry.MessageMeasured(TelemetryNames.TransportKind(transport), transaction.ContentLength);
        return result;
    }

    public async Task<bool> IsAliveAsync(CancellationToken cancellationToken)
    {
        Wire.BeginOperation(cancellationToken);
        try
        {
            await Client.NoOpAsync(CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ProtocolException or ServiceNotConnectedException or SmtpCommandException or TimeoutException or OperationCanceledException)
        {
            return false;
        }
        finally
        {
            Wire.EndOperation();
        }
    }

    /// <summary>Says QUIT (briefly: the server is done with us either way) and closes the connection.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        // An aborted connection may be inside a message (after a 354, a QUIT would be read as its text and never
        // answered): it is closed without a word.
        var quit = !Wire.CancelRequested;
        Wire.BeginOperation(cancellationToken);
        try
        {
            if (quit && Client.IsConnected)
            {
                await Client.DisconnectAsync(quit: true, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ProtocolException or SmtpCommandException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            // The server is gone or slow: the socket is closed below either way.
        }
        finally
        {
            Wire.EndOperation();
            Dispose();
            Log.ConnectionClosed(_telemetry.Logger, Endpoint.Host, Endpoint.Port);
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void Dispose()
    {
        _pipeline?.Dispose();
        Client.Dispose();
        Wire.Dispose();
    }

    /// <summary>Whether a failure means the connection is gone (so a message whose end was not written was not accepted).</summary>
    internal static bool IsConnectionLost(Exception exception) =>
        exception is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException ||
        (exception is SmtpCommandException { StatusCode: SmtpStatusCode.ServiceNotAvailable } && !exception.Message.Contains("rate", StringComparison.OrdinalIgnoreCase));

    /// <summary>Refuses a message that needs SMTPUTF8 (a non-ASCII local part) when the server does not offer it, before anything is written.</summary>
    internal void CheckInternational(MimeMessage message, MailEnvelope envelope, string transport)
    {
        if (Client.Capabilities.HasFlag(SmtpCapabilities.UTF8) || FindInternational(envelope, message) is not { } international)
        {
            return;
        }

        throw new EmailSendException(EmailErrorKind.UnsupportedByServer, $"The address '{international.Address}' has non-ASCII characters before '@', but {Endpoint.Address} does not support SMTPUTF8.")
        {
            Transport = transport,
            Hint = "Use a server that advertises SMTPUTF8, or an ASCII address for this recipient.",
        };
    }

    /// <summary>
    /// Checks the envelope's REQUIRETLS and DSN requests against this connection before anything is written: REQUIRETLS
    /// needs TLS and the server's REQUIRETLS; a DSN request the server cannot take is refused or, by default, dropped
    /// with a warning. Returns whether the DSN parameters are to be written.
    /// </summary>
    internal bool CheckEnvelopeExtensions(MimeMessage message, MailEnvelope envelope, string transport)
    {
        if (envelope.RequireTls && (!IsSecure || !Client.Capabilities.HasFlag(SmtpCapabilities.RequireTLS)))
        {
            var lacking = !IsSecure ? "the connection is not encrypted" : "the server does not advertise REQUIRETLS";
            throw new EmailSendException(EmailErrorKind.UnsupportedByServer, $"The message requires TLS all the way (REQUIRETLS, RFC 8689), but {lacking} ({Endpoint.Address}); nothing was sent.")
            {
                Transport = transport,
                Hint = "Send it through a server that offers REQUIRETLS over TLS, or send it without MailEnvelope.RequireTls.",
            };
        }

        if (envelope.DeliveryStatus is not { } dsn)
        {
            return false;
        }

        if (Client.Capabilities.HasFlag(SmtpCapabilities.Dsn))
        {
            return true;
        }

        if (dsn.RequireSupport)
        {
            throw new EmailSendException(EmailErrorKind.UnsupportedByServer, $"The message asks for delivery status notifications (DSN, RFC 3461), but {Endpoint.Address} does not offer DSN; nothing was sent.")
            {
                Transport = transport,
                Hint = "Send it through a server that advertises DSN, or set DeliveryStatusNotification.RequireSupport to false to send without the request.",
            };
        }

        Log.DsnNotOffered(_telemetry.Logger, Endpoint.Host, Endpoint.Port, message.MessageId ?? string.Empty);
        return false;
    }

    /// <summary>Refuses a message over the server's SIZE limit before anything of its transaction is written.</summary>
    internal void CheckSize(long size, string transport)
    {
        var limit = Client.MaxSize;
        if (!Client.Capabilities.HasFlag(SmtpCapabilities.Size) || limit == 0 || size <= limit)
        {
            return;
        }

        throw new EmailSendException(EmailErrorKind.MessageTooLarge, $"The message is {size:N0} bytes, but {Endpoint.Address} accepts at most {limit:N0} bytes (SIZE).")
        {
            Transport = transport,
            Hint = SmtpHints.ForReply(552, null, null),
        };
    }

    /// <summary>Finds an address whose local part needs SMTPUTF8; loops, as this runs for every message.</summary>
    private static MailboxAddress? FindInternational(MailEnvelope envelope, MimeMessage message)
    {
        if (!AddressParser.IsAscii(envelope.Sender.LocalPart))
        {
            return envelope.Sender;
        }

        foreach (var recipient in envelope.Recipients)
        {
            if (!AddressParser.IsAscii(recipient.LocalPart))
            {
                return recipient;
            }
        }

        foreach (var list in (ReadOnlySpan<InternetAddressList>)[message.From, message.To, message.Cc, message.ReplyTo])
        {
            foreach (var mailbox in list.Mailboxes)
            {
                if (!AddressParser.IsAscii(mailbox.LocalPart))
                {
                    return mailbox;
                }
            }
        }

        return null;
    }

    /// <summary>Fails clearly when a server offers only OAuth and no access-token provider is configured (Outlook.com), instead of MailKit's "no compatible mechanism".</summary>
    private void ThrowIfOnlyOAuthOffered()
    {
        if (Client.AuthenticationMechanisms.Count == 0 || !Client.AuthenticationMechanisms.All(m => OAuthMechanisms.Contains(m, StringComparer.OrdinalIgnoreCase)))
        {
            return;
        }

        throw new EmailSendException(EmailErrorKind.AuthenticationFailed, $"{Endpoint.Address} accepts only OAuth 2.0 ({string.Join(", ", Client.AuthenticationMechanisms)}), and no access-token provider is configured.")
        {
            Transport = Endpoint.DisplayName,
            Hint = SmtpHints.OAuthNeeded(Endpoint.Provider?.Name ?? "This server"),
        };
    }
}

/// <summary>A source of one transaction, for a session used alone: a lost connection is reported as <see cref="SmtpSessionLostException"/>.</summary>
internal sealed class SingleTransaction(SmtpTransaction transaction) : ITransactionSource
{
    private SmtpTransaction? _next = transaction;

    public SmtpTransaction? TryTake()
    {
        var next = _next;
        _next = null;
        return next;
    }

    public Exception? ReturnUnsent(SmtpTransaction transaction, EmailSendException error, bool connectionWasKnownGood) => new SmtpSessionLostException(error);
}

/// <summary>
/// The connection was gone (closed by the server, reset) before the end of the message was written, so the message
/// cannot have been accepted: the caller may send it on a new connection. <see cref="Error"/> is what to report otherwise.
/// </summary>
internal sealed class SmtpSessionLostException(EmailSendException error) : Exception(error.Message, error)
{
    public EmailSendException Error { get; } = error;
}
