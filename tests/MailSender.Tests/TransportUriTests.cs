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

    [Theory]
    [InlineData("token")]
    [InlineData("password")]
    [InlineData("secret")]
    [InlineData("clientSecret")]
    [InlineData("accessToken")]
    [InlineData("apiKey")]
    public void ToString_SecretQueryParameter_IsMasked(string name)
    {
        var uri = TransportUri.Parse($"smtp://host?{name}=Secr3t&security=none");

        Assert.Equal($"smtp://host?{name}=***&security=none", uri.ToString());
    }

    [Fact]
    public void ToString_OrdinaryParameters_AreKept()
    {
        var uri = TransportUri.Parse("smtp://host?security=none&user=bob");

        Assert.Equal("smtp://host?security=none&user=bob", uri.ToString());
    }

    [Theory]
    [InlineData("smtp://user:%C3%28@host")] // a lead byte followed by a non-continuation byte
    [InlineData("smtp://user:%FF@host")]
    [InlineData("smtp://user:pa%E2%82@host")] // truncated three-byte sequence
    public void TryParse_PasswordWithInvalidUtf8PercentSequence_IsRejected(string text)
    {
        Assert.False(TransportUri.TryParse(text, out _, out var error));
        Assert.Contains("password", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_InvalidUtf8PercentSequenceInUserOrOption_IsRejected()
    {
        Assert.False(TransportUri.TryParse("smtp://us%FFer@host", out _, out var userError));
        Assert.Contains("user name", userError, StringComparison.Ordinal);
        Assert.False(TransportUri.TryParse("smtp://host?name=%C3%28", out _, out var optionError));
        Assert.Contains("percent-encoding", optionError, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_PercentEncodedMultiByteCharacters_AreDecoded()
    {
        var uri = TransportUri.Parse("smtp://j%C3%B6rg:%E2%82%AC%F0%9F%98%80x@host?name=caf%C3%A9");

        Assert.Equal("jörg", uri.UserName);
        Assert.Equal("€😀x", uri.Password);
        Assert.Equal("café", uri.Parameters["name"]);
    }

    [Theory]
    [InlineData("smtp://[::1]x", "':PORT'")]
    [InlineData("smtp://[::1]x:25", "':PORT'")]
    [InlineData("smtp://[example.com]", "IPv6")]
    [InlineData("smtp://[127.0.0.1]", "IPv6")]
    [InlineData("smtp://[::1]:", "port")]
    [InlineData("smtp://[::1]:0", "port")]
    public void TryParse_MalformedBracketedHost_IsRejected(string text, string expected)
    {
        Assert.False(TransportUri.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Ipv6HostWithoutPort_HasNoPort()
    {
        var uri = TransportUri.Parse("smtp://[2001:db8::25]");

        Assert.Equal("2001:db8::25", uri.Host);
        Assert.Null(uri.Port);
        Assert.Equal("smtp://[2001:db8::25]", uri.ToString());
    }

    [Theory]
    [InlineData(":x")]
    [InlineData(":")]
    [InlineData("://host")]
    public void TryParse_NothingBeforeTheColon_ReturnsFalse(string text)
    {
        Assert.False(TransportUri.TryParse(text, out var uri));
        Assert.Null(uri);
        Assert.False(TransportUri.TryParse(text, out _, out var error));
        Assert.Contains("scheme", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("smtp://-host.example.com")]
    [InlineData("smtp://.example.com")]
    [InlineData("smtp://-")]
    [InlineData("smtp://.")]
    [InlineData("smtp://exa*mple.com")]
    public void TryParse_HostStartingWithHyphenOrDotOrWithOtherCharacters_IsRejected(string text)
    {
        Assert.False(TransportUri.TryParse(text, out _, out var error));
        Assert.Contains("not a valid host name", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_HostLongerThan253Characters_IsRejected_AndUpTo253IsAccepted()
    {
        var longest = string.Join('.', Enumerable.Repeat(new string('a', 63), 4))[..253];

        Assert.True(TransportUri.TryParse($"smtp://{longest}", out var uri));
        Assert.Equal(longest, uri.Host);
        Assert.False(TransportUri.TryParse($"smtp://{longest}a", out _, out var error));
        Assert.Contains("not a valid host name", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("smtp://mail-1.example_host.com:25", "mail-1.example_host.com", 25)]
    [InlineData("smtp://bücher.example:587", "bücher.example", 587)]
    [InlineData("smtp://host:65535", "host", 65535)]
    [InlineData("smtp://host:1", "host", 1)]
    public void Parse_ValidHostNames_AreAccepted(string text, string host, int port)
    {
        var uri = TransportUri.Parse(text);

        Assert.Equal(host, uri.Host);
        Assert.Equal(port, uri.Port);
    }

    [Fact]
    public void Parse_Null_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => TransportUri.Parse(null!));
    }

    [Fact]
    public void Parse_Malformed_MessageNamesTheProblemAndHintGivesExamples()
    {
        var ex = Assert.Throws<EmailSendException>(() => TransportUri.Parse("smtp://host:0"));

        Assert.StartsWith("Invalid transport URI: the port of host 'host'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("smtp://user@smtp.example.com:587", ex.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("smtp://@host", "user name before '@' is empty")]
    [InlineData("smtp://:Secr3t@host", "user name before '@' is empty")]
    [InlineData("smtp://:Secr3t%zz@host", "password has an invalid percent-encoding")]
    [InlineData("smtp://user:pa?s=s@host", "percent-encode them")]
    [InlineData("smtp://user:Secr3t/x@host:587", "'/' as %2F")]
    [InlineData("smtp://user:Secr3t/x@host:587", "MAILSENDER_PASSWORD")]
    [InlineData("smtp://host:587/path", "has no path")]
    [InlineData("smtp://:25", "host is missing")]
    [InlineData("smtp://host?=value", "name=value")]
    public void TryParse_Malformed_SaysWhatIsWrongWithoutTheSecret(string text, string expected)
    {
        Assert.False(TransportUri.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("Secr3t", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_LoneSurrogateInAPercentEncodedUserName_IsRejected()
    {
        // Built at run time: a lone surrogate does not survive in an attribute argument.
        var text = "smtp://us" + '\uD800' + "%41@host";

        Assert.False(TransportUri.TryParse(text, out _, out var error));
        Assert.Contains("user name", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OpaqueUriWithOnlyAQuery_HasParametersAndNoPath()
    {
        var uri = TransportUri.Parse("memory:?name=value");

        Assert.Null(uri.Path);
        Assert.Equal("value", uri.Parameters["name"]);
        Assert.Equal("memory:?name=value", uri.ToString());
    }

    [Fact]
    public void Parse_EmptyOptionsBetweenAmpersands_AreIgnored()
    {
        var uri = TransportUri.Parse("smtp://host?security=none&&timeout=5s&");

        Assert.Equal(2, uri.Parameters.Count);
        Assert.Equal("5s", uri.Parameters["timeout"]);
    }

    [Fact]
    public void ToString_OpaqueUri_KeepsPathAndOptions()
    {
        Assert.Equal("pickup:./outbox?format=eml", TransportUri.Parse("pickup:./outbox?format=eml").ToString());
        Assert.Equal("memory:", TransportUri.Parse("memory:").ToString());
    }

    [Theory]
    [InlineData("smtp://user:Secr3t@smtp.example.com:587?password=x", "smtp://smtp.example.com:587")]
    [InlineData("smtp://[::1]", "smtp://[::1]")]
    [InlineData("pickup:./outbox?x=1", "pickup:./outbox")]
    public void Endpoint_IsSchemeHostAndPortOnly(string text, string expected)
    {
        Assert.Equal(expected, TransportUri.Parse(text).Endpoint);
    }

    [Theory]
    [InlineData("x-mail+tls.v2://host", true)]
    [InlineData("s_mtp://host", false)]
    [InlineData("smtp!://host", false)]
    [InlineData("sm tp://host", false)]
    public void TryParse_SchemeCharacters_LettersDigitsPlusMinusDot(string text, bool valid)
    {
        Assert.Equal(valid, TransportUri.TryParse(text, out _));
    }

    [Fact]
    public void Parse_PercentEncodingNextToCharactersOutsideTheBasicPlane_DecodesBoth()
    {
        var uri = TransportUri.Parse("smtp://%F0%9F%93%A7😀%41:p😀%21@host");

        Assert.Equal("📧😀A", uri.UserName);
        Assert.Equal("p😀!", uri.Password);
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
