using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailSender.Smtp.Protocol;
using MimeKit;

namespace MailSender.Tests.Smtp.Protocol;

public class SmtpErrorMapperTests
{
    private static readonly SmtpEndpoint Endpoint = new()
    {
        Host = "smtp.example.com",
        Port = 587,
        Security = SmtpSecurity.StartTls,
        Credentials = new SmtpCredentials("user", "Secr3tPw", null),
        ConnectTimeout = TimeSpan.FromSeconds(1),
        CommandTimeout = TimeSpan.FromSeconds(1),
    };

    [Theory]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, "5.1.1 No such user", EmailErrorKind.RecipientsRejected, false)]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxBusy, "4.2.0 Greylisted, try later", EmailErrorKind.RecipientsRejected, true)]
    [InlineData(SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.MailboxNameNotAllowed, "5.7.1 Sender not allowed", EmailErrorKind.SenderRejected, false)]
    [InlineData(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.ExceededStorageAllocation, "5.3.4 Message too big", EmailErrorKind.MessageTooLarge, false)]
    [InlineData(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.TransactionFailed, "5.7.1 Spam", EmailErrorKind.MessageRejected, false)]
    [InlineData(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.InsufficientStorage, "4.3.1 Insufficient storage", EmailErrorKind.ServerBusy, true)]
    [InlineData(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.ServiceNotAvailable, "4.7.0 Try again later", EmailErrorKind.ServerBusy, true)]
    [InlineData(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.AuthenticationRequired, "5.7.0 Authentication required", EmailErrorKind.AuthenticationFailed, false)]
    [InlineData(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.SyntaxError, "5.5.2 Syntax error", EmailErrorKind.ProtocolError, false)]
    public void Map_CommandException_ClassifiesByCodeAndPhase(SmtpErrorCode error, SmtpStatusCode status, string text, EmailErrorKind kind, bool transient)
    {
        var exception = new SmtpCommandException(error, status, new MailboxAddress("", "rcpt@example.com"), text);

        var mapped = Map(exception, SmtpPhase.Envelope);

        Assert.Equal(kind, mapped.Kind);
        Assert.Equal(transient, mapped.IsTransient);
        Assert.Equal((int)status, mapped.StatusCode);
        Assert.Equal(text[..5], mapped.EnhancedStatusCode);
        Assert.False(mapped.MayHaveBeenAccepted);
    }

    [Theory]
    [InlineData(SmtpErrorCode.SenderNotAccepted, "4.3.2 Service shutting down")]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, "4.3.2 Service shutting down")]
    [InlineData(SmtpErrorCode.MessageNotAccepted, "4.3.2 Service shutting down")]
    public void Map_421ToMailRcptOrData_IsServerBusyNotARefusal(SmtpErrorCode error, string text)
    {
        var exception = new SmtpCommandException(error, SmtpStatusCode.ServiceNotAvailable, new MailboxAddress("", "rcpt@example.com"), text);

        var mapped = Map(exception, SmtpPhase.Envelope);

        Assert.Equal(EmailErrorKind.ServerBusy, mapped.Kind);
        Assert.True(mapped.IsTransient);
        Assert.Equal(421, mapped.StatusCode);
    }

    [Theory]
    [InlineData(500, "5.5.1 Command unrecognized")]
    [InlineData(501, "5.5.4 Syntax error in parameters")]
    [InlineData(554, "5.7.1 Transaction failed")]
    public void Map_5xxUnexpectedReply_IsPermanent(int code, string text)
    {
        var exception = new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, (SmtpStatusCode)code, text);

        var mapped = Map(exception, SmtpPhase.Envelope);

        Assert.Equal(EmailErrorKind.ProtocolError, mapped.Kind);
        Assert.False(mapped.IsTransient);
        Assert.False(EmailResiliencePredicates.IsTransient(mapped));
        Assert.Equal(code, mapped.StatusCode);
    }

    [Theory]
    [InlineData(552, "5.3.4 Message size exceeds fixed limit", true, EmailErrorKind.MessageTooLarge)]
    [InlineData(554, "5.3.4 Message too big for system", true, EmailErrorKind.MessageTooLarge)]
    [InlineData(554, "5.2.3 Message length exceeds administrative limit", true, EmailErrorKind.MessageTooLarge)]
    [InlineData(552, "Too much mail data", true, EmailErrorKind.MessageTooLarge)]
    [InlineData(554, "5.7.1 Transaction failed", true, EmailErrorKind.ProtocolError)]
    [InlineData(554, "Transaction failed", true, EmailErrorKind.ProtocolError)]
    [InlineData(552, "5.3.4 Message size exceeds fixed limit", false, EmailErrorKind.ProtocolError)]
    [InlineData(451, "4.3.0 Try again later", true, EmailErrorKind.ServerBusy)]
    public void Map_UnexpectedReplyToData_IsMessageTooLargeOnlyForASizeRefusal(int code, string text, bool atData, EmailErrorKind kind)
    {
        var exception = new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, (SmtpStatusCode)code, text);

        var mapped = Map(exception, atData ? SmtpPhase.Data : SmtpPhase.Envelope);

        Assert.Equal(kind, mapped.Kind);
        Assert.Equal(code is >= 400 and < 500, mapped.IsTransient);
    }

    [Theory]
    [InlineData(SmtpStatusCode.TransactionFailed, "5.3.4 Message too big for system", EmailErrorKind.MessageTooLarge)]
    [InlineData(SmtpStatusCode.TransactionFailed, "5.2.3 Message length exceeds administrative limit", EmailErrorKind.MessageTooLarge)]
    [InlineData(SmtpStatusCode.ExceededStorageAllocation, "Message too big", EmailErrorKind.MessageTooLarge)]
    [InlineData(SmtpStatusCode.TransactionFailed, "5.7.1 Message refused as spam", EmailErrorKind.MessageRejected)]
    [InlineData(SmtpStatusCode.ErrorInProcessing, "4.3.0 Local error", EmailErrorKind.ServerBusy)]
    [InlineData(SmtpStatusCode.InsufficientStorage, "4.3.1 Insufficient storage", EmailErrorKind.ServerBusy)]
    public void Map_MessageNotAccepted_ClassifiesSizeBusyAndRefusal(SmtpStatusCode status, string text, EmailErrorKind kind)
    {
        var exception = new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, status, text);

        var mapped = Map(exception, SmtpPhase.Data);

        Assert.Equal(kind, mapped.Kind);
        Assert.Equal((int)status is >= 400 and < 500, mapped.IsTransient);
    }

    [Theory]
    [InlineData(530, "5.7.0 Authentication required")]
    [InlineData(534, "5.7.9 Please log in with your web browser")]
    [InlineData(535, "5.7.8 Authentication credentials invalid")]
    [InlineData(550, "5.7.139 Authentication unsuccessful")]
    public void Map_AuthenticationRepliesOutsideAuth_AreAuthenticationFailed(int code, string text)
    {
        var exception = new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, (SmtpStatusCode)code, text);

        var mapped = Map(exception, SmtpPhase.Envelope);

        Assert.Equal(EmailErrorKind.AuthenticationFailed, mapped.Kind);
        Assert.False(mapped.IsTransient);
    }

    [Fact]
    public void Map_RecipientRejected_NamesTheRecipient()
    {
        var exception = new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, new MailboxAddress("", "nobody@example.com"), "5.1.1 No such user");

        var mapped = Map(exception, SmtpPhase.Envelope);

        var recipient = Assert.Single(mapped.Recipients);
        Assert.Equal("nobody@example.com", recipient.Address);
        Assert.Equal(550, recipient.StatusCode);
        Assert.Equal("5.1.1", recipient.EnhancedStatusCode);
        Assert.Contains("does not exist", mapped.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_AuthenticationRefused_GivesAppPasswordHintWithoutSecret()
    {
        var exception = new MailKit.Security.AuthenticationException("5.7.8 Error: authentication failed");

        var mapped = Map(exception, SmtpPhase.Authenticate);

        Assert.Equal(EmailErrorKind.AuthenticationFailed, mapped.Kind);
        Assert.Equal(535, mapped.StatusCode);
        Assert.Equal("5.7.8", mapped.EnhancedStatusCode);
        Assert.False(mapped.IsTransient);
        Assert.Contains("app password", mapped.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain("Secr3tPw", mapped.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(534, "5.7.9 Application-specific password required", "app password")]
    [InlineData(535, "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant", "Microsoft 365")]
    [InlineData(454, "4.7.0 Too many login attempts, please try again later", "Too many login attempts")]
    [InlineData(530, "5.7.0 Must issue a STARTTLS command first", "STARTTLS")]
    public void Map_AuthReplies_HaveSpecificHints(int code, string text, string hint)
    {
        var exception = new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, (SmtpStatusCode)code, text);

        var mapped = Map(exception, SmtpPhase.Authenticate);

        Assert.Equal(EmailErrorKind.AuthenticationFailed, mapped.Kind);
        Assert.Equal(code is >= 400 and < 500, mapped.IsTransient);
        Assert.Contains(hint, mapped.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_421_IsServerBusyAndTransient()
    {
        var exception = new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.ServiceNotAvailable, "4.3.2 Service shutting down");

        var mapped = Map(exception, SmtpPhase.Envelope);

        Assert.Equal(EmailErrorKind.ServerBusy, mapped.Kind);
        Assert.True(mapped.IsTransient);
    }

    [Theory]
    [InlineData(SocketError.ConnectionRefused, EmailErrorKind.ConnectionFailed, true, "Nothing is listening")]
    [InlineData(SocketError.HostNotFound, EmailErrorKind.ConnectionFailed, false, "spelling")]
    [InlineData(SocketError.TimedOut, EmailErrorKind.Timeout, true, "firewall")]
    public void Map_SocketErrors_AreClassifiedWithHints(SocketError error, EmailErrorKind kind, bool transient, string hint)
    {
        var mapped = Map(new SocketException((int)error), SmtpPhase.Connect);

        Assert.Equal(kind, mapped.Kind);
        Assert.Equal(transient, mapped.IsTransient);
        Assert.Contains(hint, mapped.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void TimeoutError_OnPort25_SaysPort25IsOftenBlocked()
    {
        var mapped = SmtpErrorMapper.TimeoutError(null, SmtpPhase.Connect, Endpoint with { Port = 25 });

        Assert.Equal(EmailErrorKind.Timeout, mapped.Kind);
        Assert.Contains("port 25 is blocked", mapped.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(587, "Try port 587 or 465")]
    [InlineData(465, "implicit TLS: use smtps://")]
    public void StartTlsNotOffered_IsAPermanentTlsFailure_WithAdviceForThePort(int port, string hint)
    {
        var mapped = SmtpErrorMapper.StartTlsNotOffered(Endpoint with { Port = port });

        Assert.Equal(EmailErrorKind.TlsFailed, mapped.Kind);
        Assert.False(mapped.IsTransient);
        Assert.Contains(hint, mapped.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_CertificateProblem_IsInMessageWithTrustHint()
    {
        var info = new SmtpConnectionInfo();
        info.Certificate.Problem = "the certificate is self-signed and not trusted";

        var mapped = SmtpErrorMapper.Map(new System.Security.Authentication.AuthenticationException("handshake"), SmtpPhase.Connect, Endpoint, null, info);

        Assert.Equal(EmailErrorKind.TlsFailed, mapped.Kind);
        Assert.Contains("self-signed", mapped.Message, StringComparison.Ordinal);
        Assert.Contains("caFile", mapped.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("5.1.1 No such user", "5.1.1")]
    [InlineData("550 5.1.1 No such user", "5.1.1")]
    [InlineData("2.0.0 Ok: queued as 4F3A", "2.0.0")]
    [InlineData("No such user", null)]
    [InlineData("", null)]
    public void EnhancedStatusCode_ParsesTheLeadingCode(string text, string? expected)
    {
        Assert.Equal(expected, SmtpReply.EnhancedStatusCode(text));
    }

    [Theory]
    [InlineData(421, "4.3.2 Service not available", EmailErrorKind.ServerBusy, true, "closing the connection")]
    [InlineData(400, "Try later", EmailErrorKind.ServerBusy, true, "temporary failure")]
    [InlineData(554, "No SMTP service here", EmailErrorKind.ConnectionFailed, false, "does not accept mail from this client")]
    [InlineData(500, "Go away", EmailErrorKind.ConnectionFailed, false, "does not accept mail from this client")]
    [InlineData(554, "5.7.1 Client host rejected", EmailErrorKind.ConnectionFailed, false, "refused the message by policy")]
    public void Greeting_OtherThan220_IsBusyFor4xxAndARefusalFor5xx(int code, string text, EmailErrorKind kind, bool transient, string hint)
    {
        var mapped = SmtpErrorMapper.Greeting(new SmtpWireReply(code, text, [text], []), Endpoint);

        Assert.Equal(kind, mapped.Kind);
        Assert.Equal(transient, mapped.IsTransient);
        Assert.Equal(code, mapped.StatusCode);
        Assert.Equal(text, mapped.ServerText);
        Assert.Contains($"refused the connection in its greeting: {code} {text}", mapped.Message, StringComparison.Ordinal);
        Assert.Contains(hint, mapped.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Greeting_421WithoutSpecificHint_HasTheGenericOneOnly()
    {
        var mapped = SmtpErrorMapper.Greeting(new SmtpWireReply(499, "busy", ["busy"], []), Endpoint);

        Assert.DoesNotContain("does not accept mail", mapped.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(454, "4.7.0 TLS not available due to temporary reason", true)]
    [InlineData(400, "Try again", true)]
    [InlineData(500, "Command unrecognized", false)]
    [InlineData(554, "5.7.0 TLS not available", false)]
    public void StartTlsRefused_IsTransientOnlyFor4xx(int code, string text, bool transient)
    {
        var mapped = SmtpErrorMapper.StartTlsRefused(new SmtpWireReply(code, text, [text], []), Endpoint);

        Assert.Equal(EmailErrorKind.TlsFailed, mapped.Kind);
        Assert.Equal(transient, mapped.IsTransient);
        Assert.Equal(code, mapped.StatusCode);
        Assert.Equal(SmtpReply.EnhancedStatusCode(text), mapped.EnhancedStatusCode);
        Assert.Contains($"refused STARTTLS: {code} {text}", mapped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StartTlsNotOffered_And_Downgrade_SayWhatHappened()
    {
        Assert.Contains("does not offer STARTTLS", SmtpErrorMapper.StartTlsNotOffered(Endpoint).Message, StringComparison.Ordinal);
        var downgrade = SmtpErrorMapper.Downgrade(Endpoint);
        Assert.Equal(EmailErrorKind.TlsFailed, downgrade.Kind);
        Assert.False(downgrade.IsTransient);
        Assert.Contains("possible STARTTLS stripping", downgrade.Message, StringComparison.Ordinal);
        Assert.Equal(SmtpHints.StartTlsStripped, downgrade.Hint);
    }

    [Fact]
    public void Map_ReplyTooLong_IsAPermanentProtocolError()
    {
        var mapped = Map(new SmtpReplyTooLongException(4096, line: true), SmtpPhase.Data);

        Assert.Equal(EmailErrorKind.ProtocolError, mapped.Kind);
        Assert.False(mapped.IsTransient);
        Assert.Contains("sent a reply longer than", mapped.Message, StringComparison.Ordinal);
        Assert.Contains("message transfer (DATA)", mapped.Message, StringComparison.Ordinal);
        Assert.Contains("misbehaving", mapped.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("5.7.0 Authentication required", 530)]
    [InlineData("550 5.7.1 Authenticate first", 550)]
    public void Map_ServiceNotAuthenticated_IsAuthenticationFailedWithTheReplyCode(string text, int code)
    {
        var mapped = Map(new MailKit.ServiceNotAuthenticatedException(text), SmtpPhase.Envelope);

        Assert.Equal(EmailErrorKind.AuthenticationFailed, mapped.Kind);
        Assert.False(mapped.IsTransient);
        Assert.Equal(code, mapped.StatusCode);
        Assert.Equal(SmtpReply.EnhancedStatusCode(text), mapped.EnhancedStatusCode);
        Assert.Contains("requires authentication before sending", mapped.Message, StringComparison.Ordinal);
        Assert.Contains("STARTTLS or authentication", mapped.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("454: 4.7.0 Too many login attempts", 454, true, "Too many login attempts")]
    [InlineData("400: Try again", 400, true, "temporary failure")]
    [InlineData("500: 5.5.1 Unrecognized", 500, false, null)]
    [InlineData("535: 5.7.8 Error: authentication failed", 535, false, "app password")]
    [InlineData("5.7.8 Error: authentication failed", 535, false, "app password")]
    [InlineData("Authentication failed", null, false, "app password")]
    public void Map_AuthenticationRefused_IsTransientOnlyFor4xx(string text, int? code, bool transient, string? hint)
    {
        var mapped = Map(new MailKit.Security.AuthenticationException(text), SmtpPhase.Authenticate);

        Assert.Equal(EmailErrorKind.AuthenticationFailed, mapped.Kind);
        Assert.Equal(code, mapped.StatusCode);
        Assert.Equal(transient, mapped.IsTransient);
        Assert.Contains($"refused the credentials of user 'user': {text}", mapped.Message, StringComparison.Ordinal);
        if (hint is not null)
        {
            Assert.Contains(hint, mapped.Hint, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(SmtpSecurity.Implicit, 2465, "may not speak TLS from the first byte")]
    [InlineData(SmtpSecurity.Implicit, 465, "could not agree on TLS")]
    [InlineData(SmtpSecurity.StartTls, 2465, "could not agree on TLS")]
    public void Map_TlsHandshakeFailedWithoutCertificateProblem_HintDependsOnSecurityAndPort(SmtpSecurity security, int port, string hint)
    {
        var mapped = SmtpErrorMapper.Map(new MailKit.Security.SslHandshakeException("handshake failed"), SmtpPhase.Connect, Endpoint with { Security = security, Port = port }, null, new SmtpConnectionInfo());

        Assert.Equal(EmailErrorKind.TlsFailed, mapped.Kind);
        Assert.False(mapped.IsTransient);
        Assert.EndsWith("failed.", mapped.Message, StringComparison.Ordinal);
        Assert.StartsWith("The TLS handshake with smtp.example.com:", mapped.Message, StringComparison.Ordinal);
        Assert.Contains(hint, mapped.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_TlsHandshakeFailedWithCertificateProblem_NamesItInTheMessage()
    {
        var info = new SmtpConnectionInfo();
        info.Certificate.Problem = "the certificate has expired";

        var mapped = SmtpErrorMapper.Map(new MailKit.Security.SslHandshakeException("handshake failed"), SmtpPhase.Connect, Endpoint, null, info);

        Assert.EndsWith("failed: the certificate has expired.", mapped.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SmtpSecurity.Implicit, 2465, true, "may expect plain text first")]
    [InlineData(SmtpSecurity.Implicit, 465, true, null)]
    [InlineData(SmtpSecurity.StartTls, 2465, true, null)]
    [InlineData(SmtpSecurity.Implicit, 2465, false, null)]
    public void Map_ConnectionBrokenByIOException_IsTransientWithAHintForPlainTextPorts(SmtpSecurity security, int port, bool connecting, string? hint)
    {
        var mapped = SmtpErrorMapper.Map(new IOException("unexpected end of stream"), connecting ? SmtpPhase.Connect : SmtpPhase.Envelope, Endpoint with { Security = security, Port = port }, null, new SmtpConnectionInfo());

        Assert.Equal(EmailErrorKind.ProtocolError, mapped.Kind);
        Assert.True(mapped.IsTransient);
        Assert.StartsWith($"The connection to smtp.example.com:{port} failed during", mapped.Message, StringComparison.Ordinal);
        Assert.EndsWith(": unexpected end of stream", mapped.Message, StringComparison.Ordinal);
        if (hint is null)
        {
            Assert.Null(mapped.Hint);
        }
        else
        {
            Assert.Contains(hint, mapped.Hint, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Connect", "connection and greeting")]
    [InlineData("Authenticate", "authentication")]
    [InlineData("Envelope", "the envelope (MAIL FROM / RCPT TO)")]
    [InlineData("Data", "message transfer (DATA)")]
    public void Map_UnexpectedException_IsATransientProtocolErrorNamingThePhase(string phase, string described)
    {
        var mapped = Map(new InvalidOperationException("something odd"), Enum.Parse<SmtpPhase>(phase));

        Assert.Equal(EmailErrorKind.ProtocolError, mapped.Kind);
        Assert.True(mapped.IsTransient);
        Assert.Null(mapped.Hint);
        Assert.Equal($"Sending through smtp.example.com:587 failed during {described}: something odd", mapped.Message);
    }

    [Fact]
    public void Map_TimeoutAnywhereInTheChain_IsATimeout()
    {
        Assert.Equal(EmailErrorKind.Timeout, Map(new TimeoutException(), SmtpPhase.Envelope).Kind);
        var wrapped = Map(new InvalidOperationException("outer", new TimeoutException("inner")), SmtpPhase.Data);
        Assert.Equal(EmailErrorKind.Timeout, wrapped.Kind);
        Assert.True(wrapped.IsTransient);
    }

    [Theory]
    [InlineData(SocketError.TryAgain, 587, true, EmailErrorKind.ConnectionFailed, true, "could not be resolved right now", null)]
    [InlineData(SocketError.HostNotFound, 587, true, EmailErrorKind.ConnectionFailed, false, "was not found in DNS", "spelling")]
    [InlineData(SocketError.NoData, 587, true, EmailErrorKind.ConnectionFailed, false, "was not found in DNS", "spelling")]
    [InlineData(SocketError.ConnectionReset, 25, true, EmailErrorKind.ConnectionFailed, true, "failed during connection and greeting", "port 25 is blocked")]
    [InlineData(SocketError.ConnectionReset, 587, true, EmailErrorKind.ConnectionFailed, true, "failed during connection and greeting", null)]
    [InlineData(SocketError.ConnectionReset, 25, false, EmailErrorKind.ConnectionFailed, true, "failed during the envelope", null)]
    public void Map_SocketErrors_KindTransienceMessageAndHint(SocketError error, int port, bool connecting, EmailErrorKind kind, bool transient, string message, string? hint)
    {
        var mapped = SmtpErrorMapper.Map(new IOException("wrapped", new SocketException((int)error)), connecting ? SmtpPhase.Connect : SmtpPhase.Envelope, Endpoint with { Port = port }, null, new SmtpConnectionInfo());

        Assert.Equal(kind, mapped.Kind);
        Assert.Equal(transient, mapped.IsTransient);
        Assert.Contains(message, mapped.Message, StringComparison.Ordinal);
        if (hint is null)
        {
            Assert.Null(mapped.Hint);
        }
        else
        {
            Assert.Contains(hint, mapped.Hint, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(SmtpSecurity.StartTls, "Port 465 expects TLS from the first byte")]
    [InlineData(SmtpSecurity.Implicit, "Check the host and port")]
    public void TimeoutError_OnPort465_PointsToImplicitTlsUnlessAlreadyUsed(SmtpSecurity security, string hint)
    {
        var mapped = SmtpErrorMapper.TimeoutError(null, SmtpPhase.Connect, Endpoint with { Port = 465, Security = security });

        Assert.Contains(hint, mapped.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_400ReplyToAnyCommand_IsTransientServerBusy()
    {
        var mapped = Map(new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, (SmtpStatusCode)400, "Try later"), SmtpPhase.Envelope);

        Assert.Equal(EmailErrorKind.ServerBusy, mapped.Kind);
        Assert.True(mapped.IsTransient);
    }

    [Fact]
    public void Map_SenderRejected_NamesNoRecipient()
    {
        var exception = new SmtpCommandException(SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.MailboxNameNotAllowed, new MailboxAddress("", "sender@example.com"), "5.7.1 Sender not allowed");

        var mapped = Map(exception, SmtpPhase.Envelope);

        Assert.Empty(mapped.Recipients);
    }

    private static EmailSendException Map(Exception exception, SmtpPhase phase) =>
        SmtpErrorMapper.Map(exception, phase, Endpoint, null, new SmtpConnectionInfo());
}
