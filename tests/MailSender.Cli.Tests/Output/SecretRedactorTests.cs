using MailSender.Cli.Output;

namespace MailSender.Cli.Tests.Output;

public sealed class SecretRedactorTests
{
    [Theory]
    [InlineData("smtp://user:S3cretPw@host:25", "bad S3cretPw here", "bad *** here")]
    [InlineData("smtp://user:S3cret%3FPw@host", "quoted S3cret?Pw and S3cret%3FPw", "quoted *** and ***")]
    [InlineData("smtp://user:1234?pw=S3cret@host", "option pw in smtp://user:1234?pw=S3cret%40host", "option pw in smtp://user:***%40host")]
    [InlineData("smtp://user@host", "user@host refused", "user@host refused")]
    [InlineData("pickup:./outbox", "pickup:./outbox failed", "pickup:./outbox failed")]
    [InlineData("smtp://user:abc@host", "abc stays: too short to mask safely", "abc stays: too short to mask safely")]
    [InlineData(null, "text", "text")]
    public void Redact_MasksTransportPassword(string? transport, string text, string expected)
    {
        Assert.Equal(expected, SecretRedactor.ForTransport(transport).Redact(text));
    }
}
