using MailSender.Smtp;
using MailSender.Smtp.Protocol;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MailSender.Smtp.Detection;

namespace MailSender.Tests.Smtp.Detection;

/// <summary>When detection applies, its options from configuration, their validation, and the services AddMailSender registers.</summary>
public class DetectionConfigurationTests
{
    [Theory]
    [InlineData("smtp://smtp.example.com", true)]
    [InlineData("smtp://smtp.example.com?security=auto", true)]
    [InlineData("smtp://smtp.example.com:587", false)]
    [InlineData("smtp://smtp.example.com?security=starttls", false)]
    [InlineData("smtp://smtp.example.com?security=none", false)]
    [InlineData("smtps://smtp.example.com", false)]
    public void CreateSettings_DetectsOnlyWithoutPortAndWithAuto(string uri, bool detects)
    {
        var settings = SmtpTransportFactory.CreateSettings(TransportUri.Parse(uri), new MailSenderOptions { DefaultFrom = "App <app@example.org>" }, null);

        Assert.Equal(detects, settings.DetectEndpoint);
        Assert.Null(settings.ToDetectionRequest().SenderDomain); // credentials never follow the From domain to another host
        Assert.Equal(detects, !System.Text.RegularExpressions.Regex.IsMatch(settings.DisplayName, @":\d+\?"));
    }

    [Fact]
    public void DetectionOptions_BindFromConfiguration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MailSender:Transport"] = "smtp://smtp.example.com",
            ["MailSender:Smtp:Detection:Ports:0"] = "465",
            ["MailSender:Smtp:Detection:Ports:1"] = "2525",
            ["MailSender:Smtp:Detection:ProbeTimeout"] = "00:00:03",
            ["MailSender:Smtp:Detection:CacheLifetime"] = "00:10:00",
            ["MailSender:Smtp:Detection:DnsServers:0"] = "127.0.0.1:15353",
        }).Build();
        var services = new ServiceCollection();
        services.AddMailSender(configuration.GetSection("MailSender"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<MailSenderOptions>>().Get(Options.DefaultName).Smtp.Detection;

        Assert.Equal([465, 2525], options.Ports);
        Assert.Equal(TimeSpan.FromSeconds(3), options.ProbeTimeout);
        Assert.Equal(TimeSpan.FromMinutes(10), options.CacheLifetime);
        Assert.Equal(["127.0.0.1:15353"], options.DnsServers);
        Assert.NotNull(provider.GetRequiredService<IEmailSender>());
    }

    [Fact]
    public void DetectionOptions_Invalid_AreReportedByName()
    {
        var services = new ServiceCollection();
        services.AddMailSender(o =>
        {
            o.Transport = "smtp://smtp.example.com";
            o.Smtp.Detection.Ports = [0];
            o.Smtp.Detection.ProbeTimeout = TimeSpan.Zero;
            o.Smtp.Detection.CacheLifetime = TimeSpan.FromSeconds(-1);
            o.Smtp.Detection.DnsServers = ["dns.example.com"];
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IEmailSender>());

        Assert.Contains(ex.Failures, f => f.StartsWith("MailSender:Smtp:Detection:Ports", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("MailSender:Smtp:Detection:ProbeTimeout", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("MailSender:Smtp:Detection:CacheLifetime", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("MailSender:Smtp:Detection:DnsServers", StringComparison.Ordinal));
    }

    [Fact]
    public void AddMailSender_RegistersOneDetector()
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.Transport = "pickup:outbox");
        services.AddMailSender("other", o => o.Transport = "pickup:outbox");
        using var provider = services.BuildServiceProvider();

        Assert.Same(provider.GetRequiredService<ISmtpEndpointDetector>(), provider.GetRequiredService<ISmtpEndpointDetector>());
        Assert.Single(services, d => d.ServiceType == typeof(ISmtpEndpointDetector));
    }
}
