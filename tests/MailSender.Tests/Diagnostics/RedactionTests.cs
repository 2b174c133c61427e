using MailSender.Diagnostics;

namespace MailSender.Tests.Diagnostics;

public sealed class RedactionTests
{
    [Theory]
    [InlineData("550 5.1.1 <bob@example.com>: Recipient address rejected", "550 5.1.1 <[address]>: Recipient address rejected")]
    [InlineData("refused for: a.b+tag@example.co.uk (550), c@[192.0.2.1] (551)", "refused for: [address] (550), [address] (551)")]
    [InlineData("The address 'jöran@exämple.se' has non-ASCII characters", "The address '[address]' has non-ASCII characters")]
    [InlineData("no address here", "no address here")]
    [InlineData("user o'brien@example.com refused", "user [address] refused")]
    public void Addresses_ReplacesEveryAddress(string text, string expected) =>
        Assert.Equal(expected, Redaction.Addresses(text));

    [Theory]
    [InlineData("Sending through smtp://mailer%40example.com@smtp.example.com:587?security=starttls timed out")]
    [InlineData("Sending through smtp://apikey@smtp.sendgrid.net:587?security=auto failed")]
    public void Addresses_KeepsTransportNamesReadable(string text) =>
        Assert.Equal(text, Redaction.Addresses(text));
}
