using MailSender.Diagnostics;
using MailSender.Smtp;
using MailSender.Smtp.Providers;

namespace MailSender.Tests.Smtp;

/// <summary>How <c>relay://PROVIDER</c> resolves to SMTP settings: host per region, credentials and conventions, limits, and errors.</summary>
public class RelayTransportFactoryTests
{
    private const string Key = "SG.s3cr3t-key";

    [Fact]
    public void CreateSettings_SendGridWithPasswordOption_UsesThePresetAndTheLiteralUserName()
    {
        var settings = Create("relay://sendgrid", new MailSenderOptions { Password = Key });

        Assert.Equal(("smtp.sendgrid.net", 587, SmtpSecurity.StartTls), (settings.Endpoint.Host, settings.Endpoint.Port, settings.Endpoint.Security));
        Assert.Equal(("apikey", Key), (settings.Endpoint.Credentials?.UserName, settings.Endpoint.Credentials?.Password));
        Assert.Equal("sendgrid", settings.Endpoint.Provider?.Id);
    }

    [Fact]
    public void CreateSettings_UserAndKeyInUri_TakesThem()
    {
        var settings = Create("relay://apikey:" + Key + "@sendgrid");

        Assert.Equal(("apikey", Key), (settings.Endpoint.Credentials?.UserName, settings.Endpoint.Credentials?.Password));
    }

    [Fact]
    public void CreateSettings_PasswordFromEnvironment_IsUsedWithTheLiteralUserName()
    {
        var settings = RelayTransportFactory.CreateSettings(TransportUri.Parse("relay://sendgrid"), new MailSenderOptions(), environmentPassword: Key);

        Assert.Equal(("apikey", Key), (settings.Endpoint.Credentials?.UserName, settings.Endpoint.Credentials?.Password));
    }

    [Fact]
    public void CreateSettings_SendGridWithoutKey_FailsAskingForThePassword()
    {
        var error = Assert.Throws<EmailSendException>(() => Create("relay://sendgrid"));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("'apikey' has no password", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("relay://TOKEN-123@postmark")]
    [InlineData("relay://postmark")]
    public void CreateSettings_Postmark_UsesTheServerTokenAsUserAndPassword(string uri)
    {
        var settings = Create(uri, uri.Contains('@', StringComparison.Ordinal) ? new MailSenderOptions() : new MailSenderOptions { Password = "TOKEN-123" });

        Assert.Equal(("TOKEN-123", "TOKEN-123"), (settings.Endpoint.Credentials?.UserName, settings.Endpoint.Credentials?.Password));
        Assert.Equal("smtp.postmarkapp.com", settings.Endpoint.Host);
    }

    [Fact]
    public void CreateSettings_PostmarkToken_NeverAppearsInTheDisplayName()
    {
        var settings = Create("relay://TOKEN-123@postmark");

        Assert.DoesNotContain("TOKEN-123", settings.DisplayName, StringComparison.Ordinal);
        Assert.DoesNotContain("TOKEN-123", settings.ToString(), StringComparison.Ordinal);
        Assert.Equal("***", settings.Endpoint.DisplayUserName);
    }

    [Theory]
    [InlineData("relay://ses?region=eu-west-1", "email-smtp.eu-west-1.amazonaws.com")]
    [InlineData("relay://ses?region=us-gov-west-1", "email-smtp.us-gov-west-1.amazonaws.com")]
    [InlineData("relay://mailgun", "smtp.mailgun.org")]
    [InlineData("relay://mailgun?region=eu", "smtp.eu.mailgun.org")]
    [InlineData("relay://mailgun?region=EU", "smtp.eu.mailgun.org")]
    [InlineData("relay://sparkpost?region=eu", "smtp.eu.sparkpostmail.com")]
    [InlineData("relay://Amazon-SES?region=ap-southeast-2", "email-smtp.ap-southeast-2.amazonaws.com")]
    public void CreateSettings_Region_PicksTheRegionsHost(string uri, string host)
    {
        Assert.Equal(host, Create("relay://u:p@" + uri["relay://".Length..]).Endpoint.Host);
    }

    [Fact]
    public void CreateSettings_SesWithoutRegion_FailsListingTheRegions()
    {
        var error = Assert.Throws<EmailSendException>(() => Create("relay://u:p@ses"));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("needs a region", error.Message, StringComparison.Ordinal);
        Assert.Contains("eu-west-1", error.Hint, StringComparison.Ordinal);
        Assert.Contains("us-gov-east-1", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateSettings_UnknownRegion_FailsListingTheRegions()
    {
        var error = Assert.Throws<EmailSendException>(() => Create("relay://u:p@mailgun?region=mars"));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("unknown region 'mars'", error.Message, StringComparison.Ordinal);
        Assert.Contains("us, eu", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateSettings_RegionForProviderWithoutRegions_Fails()
    {
        var error = Assert.Throws<EmailSendException>(() => Create("relay://u:p@postmark?region=eu"));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("region", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateSettings_MistypedProvider_SuggestsTheNearestOnlyWithoutThePassword()
    {
        var error = Assert.Throws<EmailSendException>(() => Create("relay://user:hunter2-secret@sendgird"));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("unknown provider 'sendgird'. Did you mean 'sendgrid' (Twilio SendGrid)?", error.Message, StringComparison.Ordinal);
        Assert.Contains("relay://sendgrid", error.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain("mailgun", error.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CreateSettings_UnknownProviderNearNothing_ListsTheKnownOnes()
    {
        var error = Assert.Throws<EmailSendException>(() => Create("relay://acme-internal-relay"));

        Assert.DoesNotContain("Did you mean", error.Message, StringComparison.Ordinal);
        Assert.Contains("sendgrid", error.Hint, StringComparison.Ordinal);
        Assert.Contains("mailgun", error.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sendgird", "sendgrid")]
    [InlineData("SendGird", "sendgrid")]
    [InlineData("mailgnu", "mailgun")]
    [InlineData("postmrk", "postmark")]
    [InlineData("sendgrid", "sendgrid")]
    [InlineData("zzzzzzzz", null)]
    [InlineData("acme", null)]
    public void FindNearest_Typo_IsTheIntendedProviderOrNothing(string typed, string? expected)
    {
        Assert.Equal(expected, ProviderCatalog.FindNearest(typed)?.Id);
    }

    [Fact]
    public void CreateSettings_UnknownParameter_Fails()
    {
        var error = Assert.Throws<EmailSendException>(() => Create("relay://u:p@sendgrid?regoin=eu"));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("regoin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateSettings_HostPortAndSecurityOverrides_ReplaceThePresets()
    {
        var settings = Create("relay://u:p@gmail?host=127.0.0.1&port=2525&security=starttls");

        Assert.Equal(("127.0.0.1", 2525, SmtpSecurity.StartTls), (settings.Endpoint.Host, settings.Endpoint.Port, settings.Endpoint.Security));
        Assert.Equal("gmail", settings.Endpoint.Provider?.Id);
    }

    // Regression: a port override kept the preset's security, so relay://gmail?port=587 spoke implicit TLS to a STARTTLS port.
    [Theory]
    [InlineData("relay://u:p@gmail?port=587", 587, SmtpSecurity.StartTls)]
    [InlineData("relay://u:p@sendgrid?port=465", 465, SmtpSecurity.Implicit)]
    [InlineData("relay://u:p@sendgrid?port=2525", 2525, SmtpSecurity.StartTls)]
    [InlineData("relay://u:p@gmail?port=465", 465, SmtpSecurity.Implicit)]
    [InlineData("relay://u:p@gmail?port=2526", 2526, SmtpSecurity.Auto)]
    [InlineData("relay://u:p@sendgrid?host=127.0.0.1&port=2526", 2526, SmtpSecurity.Auto)]
    public void CreateSettings_PortOverrideWithoutSecurity_TakesTheSecurityOfThePresetsEndpointOnThatPort(string uri, int port, SmtpSecurity security)
    {
        var settings = Create(uri);

        Assert.Equal((port, security), (settings.Endpoint.Port, settings.Endpoint.Security));
    }

    [Fact]
    public void CreateSettings_PortOverrideWithSecurity_KeepsTheGivenSecurity()
    {
        var settings = Create("relay://u:p@gmail?port=587&security=implicit");

        Assert.Equal((587, SmtpSecurity.Implicit), (settings.Endpoint.Port, settings.Endpoint.Security));
    }

    [Theory]
    [InlineData(587, SmtpSecurity.StartTls)]
    [InlineData(2526, SmtpSecurity.Auto)]
    public void CreateSettings_UseProviderPort_TakesTheSecurityOfThePresetsEndpointOnThatPort(int port, SmtpSecurity security)
    {
        var uri = RelayTransportFactory.BuildUri("gmail", new SmtpProviderOptions { Port = port });

        var settings = Create(uri.Replace("relay://", "relay://u:p@", StringComparison.Ordinal));

        Assert.Equal((port, security), (settings.Endpoint.Port, settings.Endpoint.Security));
    }

    [Fact]
    public void SecurityForPort_PortOnlyOnAnotherHost_UsesThatEndpointsSecurity()
    {
        var preset = ProviderCatalog.FindById("ionos")!;

        Assert.Equal(SmtpSecurity.StartTls, ProviderPresets.SecurityForPort(preset, preset.Host, 587));
    }

    [Fact]
    public void CreateSettings_ImplicitTlsPreset_UsesImplicitTls()
    {
        var settings = Create("relay://ann%40gmail.com:app-password@gmail");

        Assert.Equal(("smtp.gmail.com", 465, SmtpSecurity.Implicit), (settings.Endpoint.Host, settings.Endpoint.Port, settings.Endpoint.Security));
    }

    [Fact]
    public void CreateSettings_PresetMessagesPerConnection_ReplacesTheDefault()
    {
        Assert.Equal(5000, Create("relay://u:p@sendgrid").Pool.MaxMessagesPerConnection);
        Assert.Equal(5, Create("relay://u:p@sendgrid").Pool.MaxConnections);
    }

    [Fact]
    public void CreateSettings_UriPoolParameters_WinOverThePreset()
    {
        var pool = Create("relay://u:p@sendgrid?maxMessagesPerConnection=10&maxConnections=2").Pool;

        Assert.Equal((10, 2), (pool.MaxMessagesPerConnection, pool.MaxConnections));
    }

    [Fact]
    public void CreateSettings_PoolOptions_WinOverThePreset()
    {
        var options = new MailSenderOptions { Smtp = new SmtpOptions { Pool = new SmtpPoolOptions { MaxMessagesPerConnection = 7 } } };

        Assert.Equal(7, Create("relay://u:p@sendgrid", options).Pool.MaxMessagesPerConnection);
    }

    [Fact]
    public void CreateSettings_UriPoolParametersAboveThePresetsLimits_StillWin()
    {
        var pool = Create("relay://u:p@sendgrid?maxConnections=50&idleTimeout=5s").Pool;

        Assert.Equal((50, 5000, TimeSpan.FromSeconds(5)), (pool.MaxConnections, pool.MaxMessagesPerConnection, pool.IdleTimeout));
    }

    [Fact]
    public void CreateSettings_PresetLimits_KeepTheOtherPoolOptions()
    {
        var options = new MailSenderOptions { Smtp = new SmtpOptions { Pool = new SmtpPoolOptions { IdleTimeout = TimeSpan.FromSeconds(7), MaxLifetime = TimeSpan.FromMinutes(3), AcquireTimeout = TimeSpan.FromSeconds(9), CheckAfterIdle = TimeSpan.FromSeconds(2) } } };

        var pool = Create("relay://u:p@sendgrid", options).Pool;

        Assert.Equal((5, 5000), (pool.MaxConnections, pool.MaxMessagesPerConnection));
        Assert.Equal((TimeSpan.FromSeconds(7), TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(2)), (pool.IdleTimeout, pool.MaxLifetime, pool.AcquireTimeout, pool.CheckAfterIdle));
    }

    [Fact]
    public void CreateSettings_ConfiguredConnectionsOtherThanTheDefault_WinOverThePreset()
    {
        var options = new MailSenderOptions { Smtp = new SmtpOptions { Pool = new SmtpPoolOptions { MaxConnections = 8 } } };

        Assert.Equal(8, Create("relay://u:p@sendgrid", options).Pool.MaxConnections);
    }

    [Fact]
    public void PresetLimits_AreListedAsApplied_AndOnlyThoseTheUserLeftAtTheDefault()
    {
        Assert.Equal(["Smtp:Pool:MaxMessagesPerConnection=5000"], ProviderPresetLimits.Apply(new MailSenderOptions(), ProviderCatalog.FindById("sendgrid")!.Limits));
        var configured = new MailSenderOptions { Smtp = new SmtpOptions { Pool = new SmtpPoolOptions { MaxMessagesPerConnection = 10 } } };
        Assert.Empty(ProviderPresetLimits.Apply(configured, ProviderCatalog.FindById("sendgrid")!.Limits));
    }

    [Fact]
    public void PresetLimits_ConnectionLimitBelowTheDefault_LowersIt_AndOneAboveItDoesNot()
    {
        var lowered = new MailSenderOptions();
        ProviderPresetLimits.Apply(lowered, new LimitsEntry { MaxConnections = 2 });
        var kept = new MailSenderOptions();
        ProviderPresetLimits.Apply(kept, new LimitsEntry { MaxConnections = 50 });

        Assert.Equal((2, 5), (lowered.Smtp.Pool.MaxConnections, kept.Smtp.Pool.MaxConnections));
    }

    [Fact]
    public void PresetLimits_UriConnectionLimit_WinsOverThePresets()
    {
        var pool = Create("relay://u:p@sendgrid?maxConnections=3").Pool;

        Assert.Equal(3, pool.MaxConnections);
    }

    [Fact]
    public void PresetLimits_Microsoft365_SetItsSendRate_UnlessARateIsConfigured()
    {
        var options = new MailSenderOptions();
        ProviderPresetLimits.Apply(options, ProviderCatalog.FindById("microsoft365")!.Limits);
        var configured = new MailSenderOptions { Resilience = new EmailResilienceOptions { RateLimit = new EmailRateLimitOptions { MessagesPerSecond = 1 } } };
        ProviderPresetLimits.Apply(configured, ProviderCatalog.FindById("microsoft365")!.Limits);

        Assert.Equal((30, (int?)null), (options.Resilience.RateLimit.MessagesPerMinute, options.Resilience.RateLimit.MessagesPerSecond));
        Assert.Equal((null, 1), (configured.Resilience.RateLimit.MessagesPerMinute, configured.Resilience.RateLimit.MessagesPerSecond));
    }

    [Fact]
    public void PresetLimits_SmtpUriToAPresetsHost_KnowsTheProviderButAppliesNoLimits()
    {
        var options = new MailSenderOptions { Transport = "smtp://u:p@smtp.office365.com:587" };
        new ProviderPresetLimits(MailSenderTelemetry.Shared).PostConfigure(null, options);
        var settings = MailSender.Smtp.SmtpTransportFactory.CreateSettings(TransportUri.Parse(options.Transport), options, null, provider: ProviderPresets.Context(ProviderCatalog.FindByHost("smtp.office365.com")!));

        Assert.Equal("microsoft365", settings.Endpoint.Provider?.Id);
        Assert.Null(options.Resilience.RateLimit.MessagesPerMinute);
    }

    /// <summary>Resolves settings as a sender does: the preset's limits go into the options first, then the URI is read.</summary>
    private static MailSender.Smtp.SmtpTransportSettings Create(string uri, MailSenderOptions? options = null)
    {
        options ??= new MailSenderOptions();
        options.Transport = uri;
        new ProviderPresetLimits(MailSenderTelemetry.Shared).PostConfigure(null, options);
        return RelayTransportFactory.CreateSettings(TransportUri.Parse(uri), options, environmentPassword: null);
    }
}
