using System.Net;
using MailSender.Smtp.Direct;
using MailSender.Diagnostics;
using MailSender.Sending;
using MailSender.Smtp.Protocol;
using MailSender.TestSupport;

namespace MailSender.Tests.Smtp.Direct;

public class DirectTransportFactoryTests
{
    [Fact]
    public void CreateSettings_NoOptions_Port25OpportunisticTlsSystemDns()
    {
        var settings = DirectTransportFactory.CreateSettings(TransportUri.Parse("direct:"), new MailSenderOptions());

        Assert.Equal(25, settings.Port);
        Assert.Empty(settings.NameServers);
        Assert.False(settings.RequireTls);
        Assert.False(settings.ValidateCertificates);
        Assert.Equal(2, settings.MaxConnectionsPerDomain);
    }

    [Fact]
    public void CreateSettings_EmptyThumbprint_MeansNotSet()
    {
        var thumbprint = new string('b', 40);
        var options = new MailSenderOptions { Smtp = new SmtpOptions { Tls = new SmtpTlsOptions { TrustedCertificateThumbprint = thumbprint } } };

        Assert.Null(DirectTransportFactory.CreateSettings(TransportUri.Parse("direct:?thumbprint="), new MailSenderOptions()).TrustedCertificateThumbprint);
        Assert.Equal(thumbprint, DirectTransportFactory.CreateSettings(TransportUri.Parse("direct:?thumbprint="), options).TrustedCertificateThumbprint);
    }

    [Fact]
    public void CreateSettings_AllOptions_Parsed()
    {
        var settings = DirectTransportFactory.CreateSettings(
            TransportUri.Parse("direct:?dns=127.0.0.1:15353,192.0.2.53,[::1]:5353&port=2525&requireTls=true&maxPerDomain=4&maxConnections=9&timeout=5s&connectTimeout=2s&dnsTimeout=1s&ehlo=mta.example.com"),
            new MailSenderOptions());

        Assert.Equal(
            [new IPEndPoint(IPAddress.Loopback, 15353), new IPEndPoint(IPAddress.Parse("192.0.2.53"), 53), new IPEndPoint(IPAddress.IPv6Loopback, 5353)],
            settings.NameServers);
        Assert.Equal(2525, settings.Port);
        Assert.True(settings.RequireTls);
        Assert.True(settings.ValidateCertificates);
        Assert.Equal(4, settings.MaxConnectionsPerDomain);
        Assert.Equal(9, settings.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.CommandTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.DnsTimeout);
        Assert.Equal("mta.example.com", settings.EhloName);
    }

    [Theory]
    [InlineData("direct:?requireTls=true&certificatePolicy=accept", true, false)]
    [InlineData("direct:?certificatePolicy=validate", false, true)]
    [InlineData("direct:?certificatePolicy=ACCEPT", false, false)]
    public void CreateSettings_CertificatePolicy_OverridesTheDefault(string uri, bool requireTls, bool validate)
    {
        var settings = DirectTransportFactory.CreateSettings(TransportUri.Parse(uri), new MailSenderOptions());

        Assert.Equal(requireTls, settings.RequireTls);
        Assert.Equal(validate, settings.ValidateCertificates);
    }

    [Theory]
    [InlineData("direct://mx.example.com", "direct: takes no host")]
    [InlineData("direct:?dns=ns.example.com", "'ns.example.com' is not an IP address")]
    [InlineData("direct:?port=0", "option 'port'")]
    [InlineData("direct:?certificatePolicy=maybe", "'maybe' is not one of accept, validate")]
    [InlineData("direct:?maxPerDomain=0", "option 'maxPerDomain'")]
    [InlineData("direct:?security=none", "unknown option 'security'")]
    public void Create_BadUri_ConfigurationErrorNamingTheProblem(string uri, string expected)
    {
        var error = Assert.Throws<EmailSendException>(() => Factory().Create(TransportUri.Parse(uri), new EmailTransportContext(string.Empty, new MailSenderOptions())));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddMailSender_DirectUri_ResolvesTheDirectTransport()
    {
        await using var host = MailSenderHost.Create("direct:?dns=127.0.0.1:15353&port=2525");
        var sender = Assert.IsType<DefaultEmailSender>(host.Sender);

        var transport = Assert.IsType<DirectTransport>(sender.Transport);
        Assert.Equal("direct:?port=2525&dns=127.0.0.1:15353", transport.Name);
    }

    private static DirectTransportFactory Factory() =>
        new(TimeProvider.System, new SmtpConnector(TimeProvider.System, MailSenderTelemetry.Shared), new TrustStore(), MailSenderTelemetry.Shared);

    [Fact]
    public void CreateSettings_Pipelining_OnByDefaultAndFromTheUri()
    {
        Assert.Equal(SmtpPipelining.On, DirectTransportFactory.CreateSettings(TransportUri.Parse("direct:"), new MailSenderOptions()).Pipelining);
        Assert.Equal(SmtpPipelining.Off, DirectTransportFactory.CreateSettings(TransportUri.Parse("direct:?pipelining=off"), new MailSenderOptions()).Pipelining);
        Assert.Equal(EmailErrorKind.Configuration, Assert.Throws<EmailSendException>(() => DirectTransportFactory.CreateSettings(TransportUri.Parse("direct:?pipelining=2"), new MailSenderOptions())).Kind);
    }
}
