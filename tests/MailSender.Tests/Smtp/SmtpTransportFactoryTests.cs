using MailSender.Smtp;
using MailSender.Smtp.Protocol;

namespace MailSender.Tests.Smtp;

public class SmtpTransportFactoryTests
{
    [Theory]
    [InlineData("smtp://smtp.example.com", 587, SmtpSecurity.Auto)]
    [InlineData("smtps://smtp.example.com", 465, SmtpSecurity.Implicit)]
    [InlineData("smtp://smtp.example.com:25?security=starttls", 25, SmtpSecurity.StartTls)]
    [InlineData("smtp://smtp.example.com?security=implicit", 465, SmtpSecurity.Implicit)]
    [InlineData("smtp://smtp.example.com:2525?security=NONE", 2525, SmtpSecurity.None)]
    public void CreateSettings_PortAndSecurity_FollowSchemeAndParameters(string uri, int port, SmtpSecurity security)
    {
        var settings = Create(uri);

        Assert.Equal(port, settings.Endpoint.Port);
        Assert.Equal(security, settings.Endpoint.Security);
    }

    [Fact]
    public void CreateSettings_Parameters_OverrideOptions()
    {
        var options = new MailSenderOptions { Smtp = new SmtpOptions { CommandTimeout = TimeSpan.FromSeconds(5), EhloName = "options.example" } };

        var settings = Create("smtp://h?timeout=1500ms&connectTimeout=2m&ehlo=uri.example&allowInsecureAuth=true&thumbprint=0123456789abcdef0123456789abcdef01234567", options);

        Assert.Equal(TimeSpan.FromMilliseconds(1500), settings.Endpoint.CommandTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.Endpoint.ConnectTimeout);
        Assert.Equal("uri.example", settings.Endpoint.EhloName);
        Assert.True(settings.Endpoint.AllowInsecureAuthentication);
        Assert.Equal("0123456789abcdef0123456789abcdef01234567", settings.TrustedCertificateThumbprint);
    }

    [Fact]
    public void CreateSettings_PasswordSources_UriThenOptionThenEnvironment()
    {
        Assert.Equal("uri", Create("smtp://u:uri@h", new MailSenderOptions { Password = "option" }, "env").Endpoint.Credentials?.Password);
        Assert.Equal("option", Create("smtp://u@h", new MailSenderOptions { Password = "option" }, "env").Endpoint.Credentials?.Password);
        Assert.Equal("env", Create("smtp://u@h", new MailSenderOptions(), "env").Endpoint.Credentials?.Password);
        Assert.Null(Create("smtp://h", new MailSenderOptions(), "env").Endpoint.Credentials?.Password);
    }

    [Fact]
    public void CreateSettings_UserWithoutAnyPassword_FailsAtStartUp()
    {
        var ex = Assert.Throws<EmailSendException>(() => Create("smtp://me@h"));

        Assert.Equal(EmailErrorKind.Configuration, ex.Kind);
        Assert.Contains("MAILSENDER_PASSWORD", ex.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateSettings_UserNameFromOptions_IsUsed()
    {
        var settings = Create("smtp://h", new MailSenderOptions { UserName = "me", Password = "pw" });

        Assert.Equal("me", settings.Endpoint.Credentials?.UserName);
        Assert.Equal("pw", settings.Endpoint.Credentials?.Password);
    }

    [Fact]
    public void CreateSettings_PasswordWithoutUser_FailsWithoutEchoingIt()
    {
        var ex = Assert.Throws<EmailSendException>(() => Create("smtp://h", new MailSenderOptions { Password = "Secr3tPw" }));

        Assert.Equal(EmailErrorKind.Configuration, ex.Kind);
        Assert.DoesNotContain("Secr3tPw", ex.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("smtp://h?thumbprint=&ehlo=&caFile=")]
    [InlineData("smtp://h?thumbprint=")]
    public void CreateSettings_EmptyTextParameters_MeanNotSetAndUseTheOptions(string uri)
    {
        var thumbprint = new string('a', 64);
        var options = new MailSenderOptions { Smtp = new SmtpOptions { EhloName = "options.example", Tls = new SmtpTlsOptions { TrustedCertificateThumbprint = thumbprint } } };

        var settings = Create(uri, options);

        Assert.Equal(thumbprint, settings.TrustedCertificateThumbprint);
        Assert.Equal("options.example", settings.Endpoint.EhloName);
        Assert.Null(Create(uri).TrustedCertificateThumbprint);
    }

    [Theory]
    [InlineData("smtp://h?security=tls", "security")]
    [InlineData("smtps://h?security=starttls", "security")]
    [InlineData("smtp://h?timeout=soon", "timeout")]
    [InlineData("smtp://h?timeout=0s", "timeout")]
    [InlineData("smtp://h?allowInsecureAuth=maybe", "allowInsecureAuth")]
    [InlineData("smtp://h?securty=none", "securty")]
    [InlineData("smtp://h?thumbprint=zz", "thumbprint")]
    [InlineData("smtp://h?pipelining=fast", "pipelining")]
    [InlineData("smtp://h?maxInFlight=0", "maxInFlight")]
    [InlineData("smtp://h?maxInFlight=1001", "maxInFlight")]
    public void CreateSettings_BadParameter_NamesIt(string uri, string name)
    {
        var ex = Assert.Throws<EmailSendException>(() => Create(uri));

        Assert.Equal(EmailErrorKind.Configuration, ex.Kind);
        Assert.Contains($"'{name}'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("smtp://h", SmtpPipelining.On, 16)]
    [InlineData("smtp://h?pipelining=off", SmtpPipelining.Off, 16)]
    [InlineData("smtp://h?pipelining=AGGRESSIVE&maxInFlight=32", SmtpPipelining.Aggressive, 32)]
    public void CreateSettings_Pipelining_DefaultsToOnAndFollowsTheUri(string uri, SmtpPipelining mode, int maxInFlight)
    {
        var endpoint = Create(uri).Endpoint;

        Assert.Equal((mode, maxInFlight), (endpoint.Pipelining, endpoint.MaxInFlight));
    }

    [Fact]
    public void CreateSettings_PipeliningOptions_UsedWhenTheUriIsSilent()
    {
        var options = new MailSenderOptions { Smtp = new SmtpOptions { Pipelining = SmtpPipelining.Aggressive, MaxInFlight = 4 } };

        var endpoint = SmtpTransportFactory.CreateSettings(TransportUri.Parse("smtp://h"), options, null).Endpoint;
        var overridden = SmtpTransportFactory.CreateSettings(TransportUri.Parse("smtp://h?pipelining=on&maxInFlight=8"), options, null).Endpoint;

        Assert.Equal((SmtpPipelining.Aggressive, 4), (endpoint.Pipelining, endpoint.MaxInFlight));
        Assert.Equal((SmtpPipelining.On, 8), (overridden.Pipelining, overridden.MaxInFlight));
    }

    [Fact]
    public void DisplayName_NeverContainsPassword()
    {
        var settings = Create("smtp://user:Secr3tPw@h:2525?security=starttls");

        Assert.Equal("smtp://user@h:2525?security=starttls", settings.DisplayName);
        Assert.DoesNotContain("Secr3tPw", settings.ToString(), StringComparison.Ordinal);
    }

    private static SmtpTransportSettings Create(string uri, MailSenderOptions? options = null, string? environmentPassword = null) =>
        SmtpTransportFactory.CreateSettings(TransportUri.Parse(uri), options ?? new MailSenderOptions(), environmentPassword);
}
