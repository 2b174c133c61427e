using MailSender.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Xunit;

namespace MailSender.Tests.Hooks;

public sealed class RedirectTests
{
    [Fact]
    public async Task SendAsync_RedirectTo_EveryRecipientReplacedHeadersKeptOriginalsInXOriginalTo()
    {
        var transport = new RecordingTransport();
        await using var provider = HookTestHost.Build(transport, o => o.Redirect.To = "qa@example.com");

        await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message("ann@example.com", cc: "bob@example.org", bcc: "carol@example.net"));

        var (message, envelope) = Assert.Single(transport.Sent);
        Assert.Equal(["qa@example.com"], envelope.Recipients.Select(r => r.Address));
        Assert.Equal("ann@example.com", message.To.Mailboxes.Single().Address);
        Assert.Equal("ann@example.com, bob@example.org, carol@example.net", message.Headers["X-Original-To"]);
    }

    [Fact]
    public async Task SendAsync_RedirectToWithAllow_AllowedKeepTheMessageOthersRedirected()
    {
        var transport = new RecordingTransport();
        await using var provider = HookTestHost.Build(transport, o =>
        {
            o.Redirect.To = "qa@example.com";
            o.Redirect.Allow = ["example.com"];
        });

        await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message("ann@example.com, customer@gmail.test"));

        Assert.Equal(["ann@example.com", "qa@example.com"], transport.LastRecipients);
        Assert.Equal("customer@gmail.test", transport.Sent.Single().Message.Headers["X-Original-To"]);
    }

    [Fact]
    public async Task SendAsync_AllRecipientsAllowed_MessageUntouched()
    {
        var transport = new RecordingTransport();
        await using var provider = HookTestHost.Build(transport, o =>
        {
            o.Redirect.To = "qa@example.com";
            o.Redirect.Allow = ["ann@example.com"];
        });

        await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message("ANN@example.com"));

        Assert.Equal(["ANN@example.com"], transport.LastRecipients);
        Assert.Null(transport.Sent.Single().Message.Headers["X-Original-To"]);
    }

    [Theory]
    [InlineData("ann@example.com", "ann@example.com", true)]
    [InlineData("ann@example.com", "bob@example.com", false)]
    [InlineData("example.com", "bob@EXAMPLE.com", true)]
    [InlineData("@example.com", "bob@example.com", true)]
    [InlineData("example.com", "bob@mail.example.com", false)]
    [InlineData("*.example.com", "bob@mail.example.com", true)]
    [InlineData("*.example.com", "bob@a.b.example.com", true)]
    [InlineData("*.example.com", "bob@example.com", false)]
    [InlineData("*.example.com", "bob@notexample.com", false)]
    [InlineData("example.com", "bob@example.com.evil.test", false)]
    [InlineData("a.test, b.test", "bob@b.test", true)]
    [InlineData("bücher.example", "bob@xn--bcher-kva.example", true)]
    public async Task SendAsync_AllowPattern_MatchesAsDocumented(string allow, string recipient, bool allowed)
    {
        var transport = new RecordingTransport();
        await using var provider = HookTestHost.Build(transport, o =>
        {
            o.Redirect.To = "qa@example.org";
            o.Redirect.Allow = [allow];
        });

        await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message(recipient));

        // MimeKit may show a punycode domain in Unicode: what matters is whether the message went to the redirect.
        Assert.Equal(!allowed, Assert.Single(transport.LastRecipients) == "qa@example.org");
    }

    [Fact]
    public async Task SendAsync_AllowWithoutTo_UnlistedRefusedNothingSent()
    {
        var transport = new RecordingTransport();
        await using var provider = HookTestHost.Build(transport, o => o.Redirect.Allow = ["example.com"]);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message("ann@example.com, customer@gmail.test")));

        Assert.Equal(EmailErrorKind.Vetoed, error.Kind);
        Assert.Contains("customer@gmail.test", error.Message, StringComparison.Ordinal);
        Assert.Contains("MailSender:Redirect", error.Message, StringComparison.Ordinal);
        Assert.Contains("Redirect:Allow", error.Hint, StringComparison.Ordinal);
        Assert.Empty(transport.Sent);
    }

    [Fact]
    public async Task SendAsync_Drop_UnlistedLeftOutAndLoggedOthersReceive()
    {
        var transport = new RecordingTransport();
        var logs = new CapturingLoggerProvider();
        await using var provider = HookTestHost.Build(transport, o =>
        {
            o.Redirect.Allow = ["example.com"];
            o.Redirect.Unlisted = UnlistedRecipients.Drop;
        }, logs: logs);

        await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message("ann@example.com, customer@gmail.test"));

        Assert.Equal(["ann@example.com"], transport.LastRecipients);
        Assert.Equal("customer@gmail.test", transport.Sent.Single().Message.Headers["X-Original-To"]);
        var dropped = Assert.Single(logs.Events, e => e.Id == 162);
        Assert.Equal(LogLevel.Warning, dropped.Level);
        Assert.DoesNotContain("customer@gmail.test", dropped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_DropAndNoRecipientAllowed_ThrowsVetoedNeverSilentlyDropped()
    {
        var transport = new RecordingTransport();
        await using var provider = HookTestHost.Build(transport, o =>
        {
            o.Redirect.Allow = ["example.com"];
            o.Redirect.Unlisted = UnlistedRecipients.Drop;
        });

        var error = await Assert.ThrowsAsync<EmailSendException>(() => provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message("customer@gmail.test")));

        Assert.Equal(EmailErrorKind.Vetoed, error.Kind);
        Assert.Empty(transport.Sent);
    }

    [Fact]
    public async Task Redirect_On_WarningLoggedWhenOptionsValidatedAndEachRedirectLogged()
    {
        var transport = new RecordingTransport();
        var logs = new CapturingLoggerProvider();
        await using var provider = HookTestHost.Build(transport, o => o.Redirect.To = "qa@example.com", logs: logs);

        // What ValidateOnStart does when the host starts.
        _ = provider.GetRequiredService<IOptionsMonitor<MailSenderOptions>>().Get(Options.DefaultName);
        var warning = Assert.Single(logs.Events, e => e.Id == 160);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("qa@example.com", warning.Message, StringComparison.Ordinal);

        await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message());
        Assert.Single(logs.Events, e => e.Id == 161 && e.Level == LogLevel.Information);
    }

    [Fact]
    public async Task Redirect_Off_NoWarningNoHeader()
    {
        var transport = new RecordingTransport();
        var logs = new CapturingLoggerProvider();
        await using var provider = HookTestHost.Build(transport, logs: logs);

        await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message());

        Assert.DoesNotContain(logs.Events, e => e.Id is >= 160 and <= 162);
        Assert.Null(transport.Sent.Single().Message.Headers["X-Original-To"]);
    }

    [Theory]
    [InlineData("To", "not an address", "Redirect:To")]
    [InlineData("Allow:0", "*example.com", "Redirect:Allow")]
    [InlineData("Allow:0", "exa mple.com", "Redirect:Allow")]
    [InlineData("Unlisted", "Redirect", "Redirect:To")]
    public void Validate_BadRedirectSetting_StartUpFailsNamingIt(string key, string value, string named)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MailSender:Transport"] = "pickup:" + Path.GetTempPath(),
            ["MailSender:Redirect:Allow:0"] = key == "Unlisted" ? "example.com" : null,
            ["MailSender:Redirect:" + key] = value,
        }).Build();
        var services = new ServiceCollection();
        services.AddMailSender(configuration.GetSection("MailSender"));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IEmailSender>());

        Assert.Contains(error.Failures, f => f.StartsWith("MailSender:", StringComparison.Ordinal) && f.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ToWithDrop_StartUpFailsSayingToIsUnused()
    {
        var services = new ServiceCollection();
        services.AddMailSender(o =>
        {
            o.Transport = "pickup:" + Path.GetTempPath();
            o.Redirect.To = "qa@example.com";
            o.Redirect.Unlisted = UnlistedRecipients.Drop;
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IEmailSender>());

        Assert.Contains("Redirect:To is set, but Redirect:Unlisted is Drop", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redirect_BoundFromConfiguration_AppliesToPickupTransport()
    {
        var folder = Directory.CreateTempSubdirectory("mailsender-redirect-").FullName;
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["MailSender:Transport"] = "pickup:" + folder,
                ["MailSender:DefaultFrom"] = "app@example.com",
                ["MailSender:Redirect:To"] = "qa@example.com",
                ["MailSender:Redirect:Allow:0"] = "team.example.com, *.team.example.com",
            }).Build();
            var services = new ServiceCollection();
            services.AddMailSender(configuration.GetSection("MailSender"));
            await using var provider = services.BuildServiceProvider();

            await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message("dev@team.example.com, customer@gmail.test"));

            var text = await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(folder, "*.eml")));
            Assert.Contains("X-Receiver: dev@team.example.com\r\n", text, StringComparison.Ordinal);
            Assert.Contains("X-Receiver: qa@example.com\r\n", text, StringComparison.Ordinal);
            Assert.DoesNotContain("X-Receiver: customer@gmail.test", text, StringComparison.Ordinal);
            Assert.Contains("X-Original-To: customer@gmail.test", text, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Redirect_OverSmtp_OnlyRedirectTargetInRcptTo()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var services = new ServiceCollection();
        services.AddMailSender(o =>
        {
            o.Transport = TestTransports.Smtp(server.Port, "security=none");
            o.DefaultFrom = "app@example.com";
            o.Redirect.To = "qa@example.com";
        });
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message("ann@example.com", bcc: "carol@example.net"));

        var stored = Assert.Single(server.Messages);
        Assert.Equal(["qa@example.com"], stored.To);
        Assert.Equal("ann@example.com, carol@example.net", stored.Parse().Headers["X-Original-To"]);
    }
}
