using MailSender.Unsubscribe;
using Microsoft.Extensions.Time.Testing;

namespace MailSender.Tests.Deliverability;

public sealed class UnsubscribeTokenTests
{
    private static readonly string SecretA = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly string SecretB = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Validate_TokenItCreated_GivesAddressAndList()
    {
        var tokens = Create(Key("k1", SecretA));

        var result = tokens.Validate(tokens.CreateToken("Ann@Example.org", "news.example.com"));

        Assert.True(result.IsValid);
        Assert.Equal("Ann@Example.org", result.Address);
        Assert.Equal("news.example.com", result.List);
    }

    [Fact]
    public void Validate_AlteredAddress_IsForged()
    {
        var tokens = Create(Key("k1", SecretA));
        var token = tokens.CreateToken("ann@example.org", "news");
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        var payload = Decode(token[..dot]).Replace("ann@example.org", "bob@example.org", StringComparison.Ordinal);
        var forged = Encode(payload) + token[dot..];

        var result = tokens.Validate(forged);

        Assert.False(result.IsValid);
        Assert.Equal(UnsubscribeTokenError.Forged, result.Error);
        Assert.Null(result.Address);
    }

    [Fact]
    public void Validate_SignedWithAnotherSecretUnderTheSameId_IsForged()
    {
        var other = Create(Key("k1", SecretB));

        var result = Create(Key("k1", SecretA)).Validate(other.CreateToken("ann@example.org", "news"));

        Assert.Equal(UnsubscribeTokenError.Forged, result.Error);
    }

    [Fact]
    public void Validate_AfterLifetime_IsExpired_AndJustBefore_IsValid()
    {
        var tokens = Create(Key("k1", SecretA));
        var token = tokens.CreateToken("ann@example.org", "news");

        _time.Advance(TimeSpan.FromDays(180) - TimeSpan.FromSeconds(1));
        Assert.True(tokens.Validate(token).IsValid);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(UnsubscribeTokenError.Expired, tokens.Validate(token).Error);
    }

    [Fact]
    public void Validate_KeyRotation_OldTokensStillVerify_NewOnesUseTheFirstKey_RemovedKeyIsUnknown()
    {
        var before = Create(Key("2026a", SecretA));
        var oldToken = before.CreateToken("ann@example.org", "news");
        var rotated = Create(Key("2026b", SecretB), Key("2026a", SecretA));
        var newToken = rotated.CreateToken("ann@example.org", "news");

        Assert.True(rotated.Validate(oldToken).IsValid);
        Assert.True(rotated.Validate(newToken).IsValid);
        Assert.Equal(UnsubscribeTokenError.UnknownKey, before.Validate(newToken).Error);
        Assert.Equal(UnsubscribeTokenError.UnknownKey, Create(Key("2026b", SecretB)).Validate(oldToken).Error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("a.b.c")]
    [InlineData("!!!.abc")]
    [InlineData(".abc")]
    [InlineData("YWJj.")]
    [InlineData("YWJj.YWJj")]
    public void Validate_Garbage_IsMalformed(string? token)
    {
        Assert.Equal(UnsubscribeTokenError.Malformed, Create(Key("k1", SecretA)).Validate(token).Error);
    }

    [Fact]
    public void CreateHeaderValue_HttpsThenMailto_TokenIsOnePathSegment()
    {
        var options = Options(Key("k1", SecretA));
        options.Mailto = "unsubscribe@example.com";
        var tokens = new HmacUnsubscribeTokens(options, _time);

        var value = tokens.CreateHeaderValue("ann@example.org", "news");

        var match = System.Text.RegularExpressions.Regex.Match(value, "^<https://example\\.com/unsubscribe/([A-Za-z0-9_.-]+)>, <mailto:unsubscribe@example\\.com\\?subject=unsubscribe%20([A-Za-z0-9_.-]+)>$");
        Assert.True(match.Success, value);
        Assert.Equal("ann@example.org", tokens.Validate(match.Groups[1].Value).Address);
        Assert.Equal(match.Groups[1].Value, match.Groups[2].Value);
    }

    [Theory]
    [InlineData("http://example.com/u", "https")]
    [InlineData("/unsubscribe", "https")]
    [InlineData("https://example.com/u?x=1", "query")]
    public void Options_BadBaseUrl_NamesTheProblem(string url, string expected)
    {
        var options = Options(Key("k1", SecretA));
        options.BaseUrl = url;

        var problem = UnsubscribeOptionsValidation.FindProblem(options);

        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_ShortOrMissingSecret_DuplicateId_NoKeys_AreRefused_WithoutTheSecret()
    {
        var shortSecret = Convert.ToBase64String(new byte[16]);
        Assert.Contains("at least 32 bytes", UnsubscribeOptionsValidation.FindProblem(Options(Key("k1", shortSecret))), StringComparison.Ordinal);
        Assert.DoesNotContain(shortSecret, UnsubscribeOptionsValidation.FindProblem(Options(Key("k1", shortSecret))), StringComparison.Ordinal);
        Assert.Contains("Secret", UnsubscribeOptionsValidation.FindProblem(Options(Key("k1", "not base64!"))), StringComparison.Ordinal);
        Assert.Contains("used twice", UnsubscribeOptionsValidation.FindProblem(Options(Key("k1", SecretA), Key("k1", SecretB))), StringComparison.Ordinal);
        Assert.Contains("at least one key", UnsubscribeOptionsValidation.FindProblem(Options()), StringComparison.Ordinal);
        Assert.Contains("Id", UnsubscribeOptionsValidation.FindProblem(Options(Key("bad id", SecretA))), StringComparison.Ordinal);
        Assert.Null(UnsubscribeOptionsValidation.FindProblem(Options(Key("k1", SecretA))));
    }

    private HmacUnsubscribeTokens Create(params UnsubscribeKey[] keys) => new(Options(keys), _time);

    private static UnsubscribeOptions Options(params UnsubscribeKey[] keys)
    {
        var options = new UnsubscribeOptions { BaseUrl = "https://example.com/unsubscribe" };
        foreach (var key in keys)
        {
            options.Keys.Add(key);
        }

        return options;
    }

    private static UnsubscribeKey Key(string id, string secret) => new() { Id = id, Secret = secret };

    private static string Decode(string part)
    {
        var padded = part.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(padded));
    }

    private static string Encode(string text) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
