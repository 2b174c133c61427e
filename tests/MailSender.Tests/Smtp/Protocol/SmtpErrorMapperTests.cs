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

    private static EmailSendException Map(Exception exception, SmtpPhase phase) =>
        SmtpErrorMapper.Map(exception, phase, Endpoint, null, new SmtpConnectionInfo());
}
