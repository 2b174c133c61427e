using System.Net;
using MailSender.Smtp.Detection;

namespace MailSender.Tests.Smtp.Detection;

/// <summary>SRV record ordering and DNS server parsing; no network.</summary>
public class DnsSrvResolverTests
{
    [Fact]
    public void Order_ByPriorityThenWeight_DropsServiceNotAvailable()
    {
        var ordered = DnsSrvResolver.Order(
        [
            new SrvTarget("backup.example.com.", 587, 20, 0),
            new SrvTarget(".", 0, 0, 0),
            new SrvTarget("light.example.com.", 465, 10, 1),
            new SrvTarget("heavy.example.com.", 465, 10, 50),
        ]);

        Assert.Equal(["heavy.example.com", "light.example.com", "backup.example.com"], ordered.Select(t => t.Host));
    }

    [Theory]
    [InlineData("192.0.2.53", "192.0.2.53:53")]
    [InlineData("127.0.0.1:15353", "127.0.0.1:15353")]
    [InlineData("[::1]:5353", "[::1]:5353")]
    [InlineData("::1", "[::1]:53")]
    public void ParseServer_AddressOrAddressAndPort(string text, string expected)
    {
        Assert.Equal(IPEndPoint.Parse(expected), DnsSrvResolver.ParseServer(text));
    }

    [Fact]
    public void ParseServer_HostName_IsAConfigurationError()
    {
        var error = Assert.Throws<EmailSendException>(() => DnsSrvResolver.ParseServer("dns.example.com"));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("127.0.0.1:15353", error.Hint, StringComparison.Ordinal);
    }
}
