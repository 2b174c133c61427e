using MailSender.Smtp.Providers;

namespace MailSender.Tests.Smtp.Detection;

/// <summary>The presets as detection's first candidates: by host name, by a mail domain given as the host, by sender domain.</summary>
public class ProviderKnownEndpointsTests
{
    private readonly MailSender.Smtp.Detection.ProviderKnownEndpoints _source = new();

    [Fact]
    public void Find_ProviderHost_GivesItsPortAndSecurity()
    {
        var endpoint = _source.Find("smtp.gmail.com", null);

        Assert.NotNull(endpoint);
        Assert.Equal(("smtp.gmail.com", 465, SmtpSecurity.Implicit), (endpoint.Host, endpoint.Port, endpoint.Security));
        Assert.Equal("preset:gmail", endpoint.Source);
    }

    [Fact]
    public void Find_MailDomainAsHost_GivesTheProvidersHost()
    {
        var endpoint = _source.Find("gmail.com", null);

        Assert.NotNull(endpoint);
        Assert.Equal("smtp.gmail.com", endpoint.Host);
    }

    [Fact]
    public void Find_SenderDomain_GivesTheProvidersHost()
    {
        var endpoint = _source.Find("mail.example.org", "googlemail.com");

        Assert.NotNull(endpoint);
        Assert.Equal("smtp.gmail.com", endpoint.Host);
    }

    [Theory]
    [InlineData("mail.example.org")]
    [InlineData("127.0.0.1")]
    public void Find_UnknownHost_GivesNothing(string host) => Assert.Null(_source.Find(host, null));
}
