using System.Net.Sockets;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace MailSender.Tests.Resilience;

public sealed class EmailResiliencePredicatesTests
{
    public static TheoryData<string, Exception, bool> Failures => new()
    {
        { "421 busy", Reply(EmailErrorKind.ServerBusy, 421, "4.3.2", "Service not available, closing channel"), true },
        { "450 mailbox busy", Reply(EmailErrorKind.RecipientsRejected, 450, "4.2.1", "Mailbox busy"), true },
        { "451 greylisted", Reply(EmailErrorKind.RecipientsRejected, 451, "4.7.1", "Greylisted, try again later"), true },
        { "452 too many recipients", Reply(EmailErrorKind.ServerBusy, 452, "4.5.3", "Too many recipients"), true },
        { "454 auth temporary", Reply(EmailErrorKind.AuthenticationFailed, 454, "4.7.0", "Too many login attempts"), true },
        { "connection refused", new EmailSendException(EmailErrorKind.ConnectionFailed, "refused", new SocketException((int)SocketError.ConnectionRefused)) { IsTransient = true }, true },
        { "transient kind, not said to be transient", new EmailSendException(EmailErrorKind.ConnectionFailed, "host not found"), false },
        { "connection reset", new EmailSendException(EmailErrorKind.ProtocolError, "reset") { IsTransient = true }, true },
        { "timeout before hand-over", new EmailSendException(EmailErrorKind.Timeout, "slow") { IsTransient = true }, true },
        { "pool exhausted", new EmailSendException(EmailErrorKind.ServerBusy, "pool exhausted") { IsTransient = true }, true },
        { "attempt timeout", new TimeoutRejectedException(), true },
        { "delivery uncertain", new EmailSendException(EmailErrorKind.DeliveryUncertain, "after dot") { MayHaveBeenAccepted = true }, false },
        { "uncertain even if flagged transient", new EmailSendException(EmailErrorKind.DeliveryUncertain, "after dot") { IsTransient = true }, false },
        { "535 bad credentials", Reply(EmailErrorKind.AuthenticationFailed, 535, "5.7.8", "Authentication failed"), false },
        { "auth refused without code", new EmailSendException(EmailErrorKind.AuthenticationFailed, "no") { IsTransient = true }, false },
        { "invalid message", new EmailSendException(EmailErrorKind.InvalidMessage, "no recipient") { IsTransient = true }, false },
        { "configuration", new EmailSendException(EmailErrorKind.Configuration, "bad uri") { IsTransient = true }, false },
        { "550 no such user", Reply(EmailErrorKind.RecipientsRejected, 550, "5.1.1", "No such user"), false },
        { "5xx flagged transient", Reply(EmailErrorKind.ServerBusy, 554, "5.7.1", "Rejected"), false },
        { "552 too large", Reply(EmailErrorKind.MessageTooLarge, 552, "5.3.4", "Too big"), false },
        { "TLS failed", new EmailSendException(EmailErrorKind.TlsFailed, "handshake"), false },
        { "circuit open", new BrokenCircuitException(), false },
        { "cancelled", new OperationCanceledException(), false },
        { "other exception", new InvalidOperationException(), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void IsTransient_ClassifiesFailure(string name, Exception exception, bool expected)
    {
        Assert.True(expected == EmailResiliencePredicates.IsTransient(exception), name);
        Assert.Equal(expected, EmailResiliencePredicates.IsTransient(Outcome.FromException<SendResult>(exception)));
    }

    [Theory]
    [InlineData(500, "5.5.1", "Syntax error, command unrecognised")]
    [InlineData(535, "5.7.8", "Authentication credentials invalid")]
    public void IsTransient_AuthenticationRefusedWith5xx_NeverRetriedEvenIfFlaggedTransient(int code, string enhanced, string text)
    {
        // Retrying refused credentials can lock the account, whatever IsTransient says.
        var error = new EmailSendException(EmailErrorKind.AuthenticationFailed, $"replied {code}: {text}")
        {
            IsTransient = true,
            StatusCode = code,
            EnhancedStatusCode = enhanced,
            ServerText = text,
        };

        Assert.False(EmailResiliencePredicates.IsTransient(error));
    }

    [Fact]
    public void IsTransient_500FlaggedTransient_IsPermanent()
    {
        var error = new EmailSendException(EmailErrorKind.ServerBusy, "replied 500") { IsTransient = true, StatusCode = 500, EnhancedStatusCode = "5.5.1" };

        Assert.False(EmailResiliencePredicates.IsTransient(error));
    }

    [Theory]
    [InlineData(400, true)]
    [InlineData(454, true)]
    [InlineData(499, true)]
    [InlineData(334, false)]
    [InlineData(250, false)]
    public void IsTransient_AuthenticationFailed_RetriedOnlyWithA4xxCode(int code, bool expected)
    {
        var error = new EmailSendException(EmailErrorKind.AuthenticationFailed, $"replied {code}") { IsTransient = true, StatusCode = code };

        Assert.Equal(expected, EmailResiliencePredicates.IsTransient(error));
    }

    [Fact]
    public void Predicates_NullException_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => EmailResiliencePredicates.IsTransient((Exception)null!));
        Assert.Throws<ArgumentNullException>(() => EmailResiliencePredicates.IsEndpointFailure(null!));
        Assert.Throws<ArgumentNullException>(() => EmailResiliencePredicates.IsThrottling(null!));
    }

    [Theory]
    [InlineData(EmailErrorKind.ConnectionFailed, true)]
    [InlineData(EmailErrorKind.TlsFailed, true)]
    [InlineData(EmailErrorKind.AuthenticationFailed, true)]
    [InlineData(EmailErrorKind.ServerBusy, true)]
    [InlineData(EmailErrorKind.Timeout, true)]
    [InlineData(EmailErrorKind.ProtocolError, true)]
    [InlineData(EmailErrorKind.DeliveryUncertain, true)]
    [InlineData(EmailErrorKind.SenderRejected, false)]
    [InlineData(EmailErrorKind.RecipientsRejected, false)]
    [InlineData(EmailErrorKind.MessageTooLarge, false)]
    [InlineData(EmailErrorKind.MessageRejected, false)]
    [InlineData(EmailErrorKind.InvalidMessage, false)]
    [InlineData(EmailErrorKind.Configuration, false)]
    [InlineData(EmailErrorKind.UnsupportedByServer, false)]
    [InlineData(EmailErrorKind.StorageFailed, false)]
    public void IsEndpointFailure_CountsOnlyFailuresOfTheEndpoint(EmailErrorKind kind, bool expected)
    {
        Assert.Equal(expected, EmailResiliencePredicates.IsEndpointFailure(new EmailSendException(kind, "failed")));
    }

    [Fact]
    public void IsEndpointFailure_AttemptTimeoutCounts_OtherExceptionsDoNot()
    {
        Assert.True(EmailResiliencePredicates.IsEndpointFailure(new TimeoutRejectedException()));
        Assert.False(EmailResiliencePredicates.IsEndpointFailure(new InvalidOperationException("rate limit")));
        Assert.False(EmailResiliencePredicates.IsEndpointFailure(new OperationCanceledException()));
    }

    [Fact]
    public void IsTransient_Result_TrueOnlyWhenSomeRecipientWasDeferredWith4xx()
    {
        static SendResult Result(params RejectedRecipient[] rejected) => new() { MessageId = "m", Transport = "t", AcceptedRecipients = ["a@example.com"], RejectedRecipients = rejected };

        Assert.False(EmailResiliencePredicates.IsTransient(Outcome.FromResult(Result())));
        Assert.False(EmailResiliencePredicates.IsTransient(Outcome.FromResult(Result(new RejectedRecipient("b@example.com", 550, "5.1.1", "no such user")))));
        Assert.True(EmailResiliencePredicates.IsTransient(Outcome.FromResult(Result(new RejectedRecipient("b@example.com", 450, "4.2.1", "busy")))));
    }

    [Theory]
    [InlineData(454, "4.7.0", "Too many login attempts, try again later", true)]
    [InlineData(421, "4.7.0", "Rate limit exceeded, slow down", true)]
    [InlineData(451, "4.7.1", "Too many messages, throttled", true)]
    [InlineData(432, "4.7.12", "Sending limit reached", true)]
    [InlineData(421, "4.3.2", "Service not available, closing channel", false)]
    [InlineData(451, "4.7.1", "Greylisted, try again later", false)]
    [InlineData(550, "5.7.1", "Rate limit exceeded", false)]
    public void IsThrottling_RecognisesRepliesThatAskToSlowDown(int code, string enhanced, string text, bool expected)
    {
        var kind = code == 454 ? EmailErrorKind.AuthenticationFailed : EmailErrorKind.ServerBusy;
        Assert.Equal(expected, EmailResiliencePredicates.IsThrottling(Reply(kind, code, enhanced, text)));
    }

    [Theory]
    [InlineData("4.7.0", "Error: authentication temporarily unavailable", true)]
    [InlineData("4.3.0", "Error: authentication temporarily unavailable", false)]
    [InlineData("", "Error: authentication temporarily unavailable", false)]
    [InlineData(null, "Error: authentication temporarily unavailable", false)]
    [InlineData("4.3.0", "Too many login attempts", true)]
    public void IsThrottling_454_ThrottlesOnEnhancedCode470OrRateWords(string? enhanced, string text, bool expected)
    {
        var error = new EmailSendException(EmailErrorKind.AuthenticationFailed, $"replied 454: {text}")
        {
            IsTransient = true,
            StatusCode = 454,
            EnhancedStatusCode = enhanced,
            ServerText = text,
        };

        Assert.Equal(expected, EmailResiliencePredicates.IsThrottling(error));
    }

    [Fact]
    public void IsThrottling_ReadsTheServerTextFirst_ThenTheMessage()
    {
        var fromServerText = new EmailSendException(EmailErrorKind.ServerBusy, "The server is busy") { StatusCode = 421, ServerText = "Sending rate exceeded" };
        var fromMessage = new EmailSendException(EmailErrorKind.ServerBusy, "Sending rate exceeded") { StatusCode = 421 };
        var neither = new EmailSendException(EmailErrorKind.ServerBusy, "The server is busy") { StatusCode = 421, ServerText = "Service not available" };

        Assert.True(EmailResiliencePredicates.IsThrottling(fromServerText));
        Assert.True(EmailResiliencePredicates.IsThrottling(fromMessage));
        Assert.False(EmailResiliencePredicates.IsThrottling(neither));
    }

    private static EmailSendException Reply(EmailErrorKind kind, int code, string enhanced, string text) =>
        new(kind, $"replied {code}: {text}")
        {
            IsTransient = code is >= 400 and < 500 || text == "Rejected" || text == "Authentication failed",
            StatusCode = code,
            EnhancedStatusCode = enhanced,
            ServerText = text,
        };
}
