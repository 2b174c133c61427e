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
    [InlineData("failover(smtp://a:Alpha1@h1 smtp://b:Bravo2@h2)", "Alpha1 then Bravo2", "*** then ***")]
    [InlineData("roundrobin(smtp://h1 smtps://b:Bravo2@h2?x=1)", "Bravo2 failed", "*** failed")]
    public void Redact_MasksTransportPassword(string? transport, string text, string expected)
    {
        Assert.Equal(expected, SecretRedactor.ForTransport(transport).Redact(text));
    }

    [Theory]
    [InlineData("smtp://user:abc@host", true)]
    [InlineData("failover(smtp://h1 smtp://u:pw@h2)", true)]
    [InlineData("smtp://user@host", false)]
    [InlineData("smtp://user:@host", false)]
    [InlineData("pickup:./a:b@c", false)]
    [InlineData(null, false)]
    public void FoundPassword_TrueOnlyWhenAUriCarriesOne(string? transport, bool expected)
    {
        Assert.Equal(expected, SecretRedactor.ForTransport(transport).FoundPassword);
    }

    [Fact]
    public void ForPassword_MasksThePasswordAndItsEncodedForm()
    {
        var redactor = SecretRedactor.ForPassword("p@ss word");

        Assert.True(redactor.FoundPassword);
        Assert.Equal("*** and ***", redactor.Redact("p@ss word and p%40ss%20word"));
        Assert.False(SecretRedactor.ForPassword(null).FoundPassword);
    }
}
