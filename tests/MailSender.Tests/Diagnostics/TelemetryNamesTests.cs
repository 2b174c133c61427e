using MailSender.Diagnostics;

namespace MailSender.Tests.Diagnostics;

public sealed class TelemetryNamesTests
{
    [Theory]
    [InlineData(EmailErrorKind.AuthenticationFailed, "authentication_failed")]
    [InlineData(EmailErrorKind.TlsFailed, "tls_failed")]
    [InlineData(EmailErrorKind.DeliveryUncertain, "delivery_uncertain")]
    [InlineData(EmailErrorKind.ServerBusy, "server_busy")]
    public void ErrorType_EmailSendException_IsTheKindInSnakeCase(EmailErrorKind kind, string expected) =>
        Assert.Equal(expected, TelemetryNames.ErrorType(new EmailSendException(kind, "x")));

    [Fact]
    public void ErrorKind_EveryKind_IsLowerCaseWordsJoinedByUnderscores() =>
        Assert.All(Enum.GetValues<EmailErrorKind>(), k => Assert.Matches("^[a-z]+(_[a-z]+)*$", TelemetryNames.ErrorKind(k)));

    [Fact]
    public void ErrorType_OtherException_IsItsFullTypeName() =>
        Assert.Equal("System.OperationCanceledException", TelemetryNames.ErrorType(new OperationCanceledException()));

    [Theory]
    [InlineData("smtp://user%40example.com@smtp.example.com:587?security=starttls", "smtp")]
    [InlineData("pickup:/var/mail/outbox", "pickup")]
    [InlineData("failover(smtp://a:25?security=none smtp://b:25?security=none)", "failover")]
    [InlineData("roundrobin(smtp://a smtp://b)", "roundrobin")]
    [InlineData("Memory", "memory")]
    [InlineData("", "custom")]
    public void TransportKind_LeavesOutHostUserAndPath(string name, string expected) =>
        Assert.Equal(expected, TelemetryNames.TransportKind(name));
}
