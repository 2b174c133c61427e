using CsCheck;

namespace MailSender.Tests;

public class TransportUriTests
{
    [Fact]
    public void Parse_SmtpWithEverything_ReadsEachPart()
    {
        var uri = TransportUri.Parse("SMTP://user%40example.com:p%3Ass%40word@smtp.example.com:2525?security=starttls&timeout=10s");

        Assert.Equal("smtp", uri.Scheme);
        Assert.Equal("user@example.com", uri.UserName);
        Assert.Equal("p:ss@word", uri.Password);
        Assert.Equal("smtp.example.com", uri.Host);
        Assert.Equal(2525, uri.Port);
        Assert.Equal("starttls", uri.Parameters["SECURITY"]);
        Assert.Equal("10s", uri.Parameters["timeout"]);
    }

    [Fact]
    public void Parse_PasswordWithAtSign_SplitsAtLastAt()
    {
        var uri = TransportUri.Parse("smtp://user:pa@ss@host");

        Assert.Equal("user", uri.UserName);
        Assert.Equal("pa@ss", uri.Password);
        Assert.Equal("host", uri.Host);
        Assert.Null(uri.Port);
    }

    [Fact]
    public void Parse_Ipv6Host_RemovesBrackets()
    {
        var uri = TransportUri.Parse("smtp://[::1]:25");

        Assert.Equal("::1", uri.Host);
        Assert.Equal(25, uri.Port);
        Assert.Equal("smtp://[::1]:25", uri.ToString());
    }

    [Theory]
    [InlineData("pickup:outbox", "outbox")]
    [InlineData("pickup:./mail/out", "./mail/out")]
    [InlineData("pickup:/var/mail/out", "/var/mail/out")]
    [InlineData("pickup:///var/mail/out", "/var/mail/out")]
    [InlineData("pickup:C:\\mail\\out", "C:\\mail\\out")]
    public void Parse_OpaqueUri_KeepsPath(string text, string path)
    {
        var uri = TransportUri.Parse(text);

        Assert.Equal("pickup", uri.Scheme);
        Assert.Equal(path, uri.Path);
        Assert.Null(uri.Host);
    }

    [Fact]
    public void Parse_MemoryWithoutPath_HasNoPath()
    {
        var uri = TransportUri.Parse("memory:");

        Assert.Equal("memory", uri.Scheme);
        Assert.Null(uri.Path);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("smtp.example.com", "scheme")]
    [InlineData("1smtp://host", "scheme")]
    [InlineData("smtp://", "host is missing")]
    [InlineData("smtp://host:0", "port")]
    [InlineData("smtp://host:65536", "port")]
    [InlineData("smtp://host:abc", "port")]
    [InlineData("smtp://ho st", "host")]
    [InlineData("smtp://[::1", "']'")]
    [InlineData("smtp://host/path", "no path")]
    [InlineData("smtp://host?security", "name=value")]
    [InlineData("smtp://host?a=1&a=2", "twice")]
    [InlineData("smtp://us%zzer@host", "user name")]
    public void TryParse_Malformed_NamesTheBadPart(string text, string expected)
    {
        Assert.False(TransportUri.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Parse_Malformed_ThrowsConfigurationError()
    {
        var ex = Assert.Throws<EmailSendException>(() => TransportUri.Parse("nonsense"));

        Assert.Equal(EmailErrorKind.Configuration, ex.Kind);
        Assert.NotNull(ex.Hint);
    }

    [Theory]
    [InlineData("smtp://user:Secr3t%zz@host")]
    [InlineData("smtp://user:Secr3t@ho st")]
    [InlineData("smtp://user:Secr3t@host:99999")]
    [InlineData("smtp://user:Secr3t")]
    [InlineData("smtp://user:Secr3t@host/x")]
    [InlineData("smtp://user:1234?pw=Secr3t@127.0.0.1:25")] // regression: a '?' in an unencoded password made its tail look like options
    public void Parse_MalformedWithPassword_NeverEchoesIt(string text)
    {
        var ex = Assert.Throws<EmailSendException>(() => TransportUri.Parse(text));

        Assert.DoesNotContain("Secr3t", ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Secr3t", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_WithPasswordAndSecretParameter_OmitsBoth()
    {
        var uri = TransportUri.Parse("smtp://user:Secr3t@host:587?apiKey=K3y&security=none");

        var text = uri.ToString();

        Assert.Equal("smtp://user@host:587?apiKey=***&security=none", text);
    }

    [Fact]
    public void Property_FormattedComponents_RoundTrip()
    {
        var label = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"], 1, 12];
        var host = Gen.Select(label, label, OneOf("com", "org", "test"), (a, b, tld) => $"{a}.{b}.{tld}");
        var secret = Gen.String[Gen.Char[" !\"#$%&'()*+,/:;<=>?@[\\]^`{|}~abcXYZ019éü€"], 0, 20];
        Gen.Select(label, secret, host, Gen.Int[1, 65535], OneOf("auto", "starttls", "implicit", "none"))
            .Sample((user, password, hostName, port, security) =>
            {
                var text = $"smtp://{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(password)}@{hostName}:{port}?security={security}";

                var uri = TransportUri.Parse(text);

                Assert.Equal(user, uri.UserName);
                Assert.Equal(password, uri.Password);
                Assert.Equal(hostName, uri.Host);
                Assert.Equal(port, uri.Port);
                Assert.Equal(security, uri.Parameters["security"]);
                Assert.Equal(uri.ToString(), TransportUri.Parse(uri.ToString()).ToString());
            }, iter: 2000);
    }

    [Fact]
    public void Property_AnyInput_NeverThrowsUnexpectedlyNorLeaksPassword()
    {
        const string Secret = "Zq9Secret";
        var noise = Gen.String[Gen.Char[":/@?&=%[]. \t\r\nabc019é"], 0, 30];
        Gen.Select(noise, noise, OneOf("smtp", "smtps", "pickup", "x"))
            .Sample((before, after, scheme) =>
            {
                var text = $"{scheme}://u:{Secret}{before}@{after}";
                if (TransportUri.TryParse(text, out var uri, out var error))
                {
                    Assert.DoesNotContain(Secret, uri.ToString(), StringComparison.Ordinal);
                }
                else
                {
                    Assert.DoesNotContain(Secret, error, StringComparison.Ordinal);
                }
            }, iter: 5000);
    }

    private static Gen<string> OneOf(params string[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);
}
