using System.Net;
using MailSender.Smtp.Direct;
using MailSender.Internal;

namespace MailSender.Tests.Internal;

/// <summary>The one parser of name servers, as detection (DnsServers) and direct delivery (dns=) both use it.</summary>
public class DnsNameServersTests
{
    [Theory]
    [InlineData("192.0.2.53", "192.0.2.53:53")]
    [InlineData(" 127.0.0.1:15353 ", "127.0.0.1:15353")]
    [InlineData("[::1]:5353", "[::1]:5353")]
    [InlineData("::1", "[::1]:53")]
    public void TryParse_AddressOrAddressAndPort(string text, string expected)
    {
        Assert.True(DnsNameServers.TryParse(text, out var server));
        Assert.Equal(IPEndPoint.Parse(expected), server);
    }

    [Theory]
    [InlineData("dns.example.com")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("")]
    public void TryParse_NotAnAddress_False(string text) =>
        Assert.False(DnsNameServers.TryParse(text, out _));

    [Fact]
    public void DirectAndDetection_SameText_SameServer()
    {
        var direct = DirectTransportFactory.CreateSettings(TransportUri.Parse("direct:?dns=::1,127.0.0.1:15353"), new MailSenderOptions());

        Assert.Equal([MailSender.Smtp.Detection.DnsSrvResolver.ParseServer("::1"), MailSender.Smtp.Detection.DnsSrvResolver.ParseServer("127.0.0.1:15353")], direct.NameServers);
    }
}
