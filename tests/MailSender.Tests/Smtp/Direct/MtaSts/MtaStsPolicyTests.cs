using MailSender.Smtp.Direct.MtaSts;

namespace MailSender.Tests.Smtp.Direct.MtaSts;

/// <summary>The MTA-STS policy parser, the MX pattern match and the TXT record parser (RFC 8461, 3.1, 3.2, 4.1), bad input included.</summary>
public class MtaStsPolicyTests
{
    [Fact]
    public void Parse_ValidPolicy_ReadsEveryField()
    {
        var policy = MtaStsPolicy.Parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.Example.NET\r\nmax_age: 604800\r\n", out var problem);

        Assert.Null(problem);
        Assert.NotNull(policy);
        Assert.Equal(MtaStsMode.Enforce, policy.Mode);
        Assert.Equal(["mail.example.com", "*.example.net"], policy.MxPatterns);
        Assert.Equal(TimeSpan.FromDays(7), policy.MaxAge);
    }

    [Fact]
    public void Parse_LfLinesExtensionFieldsAndBlanks_Accepted()
    {
        var policy = MtaStsPolicy.Parse("version:STSv1\nmode:   testing\t\nmx: mx.example.com\nfuture_field: anything\nmax_age: 0", out var problem);

        Assert.Null(problem);
        Assert.Equal(MtaStsMode.Testing, policy!.Mode);
        Assert.Equal(TimeSpan.Zero, policy.MaxAge);
    }

    [Fact]
    public void Parse_ModeNoneWithoutMx_Accepted()
    {
        var policy = MtaStsPolicy.Parse("version: STSv1\nmode: none\nmax_age: 86400\n", out _);

        Assert.Equal(MtaStsMode.None, policy!.Mode);
        Assert.Empty(policy.MxPatterns);
    }

    [Theory]
    [InlineData("", "the version field is missing")]
    [InlineData("mode: enforce\nmx: a.example\nmax_age: 1", "the version field is missing")]
    [InlineData("version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1", "the version is 'STSv2', not STSv1")]
    [InlineData("version: stsv1\nmode: enforce\nmx: a.example\nmax_age: 1", "not STSv1")]
    [InlineData("version: STSv1\nmx: a.example\nmax_age: 1", "the mode field is missing")]
    [InlineData("version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 1", "the mode 'Enforce' is not one of enforce, testing, none")]
    [InlineData("version: STSv1\nmode: reject\nmx: a.example\nmax_age: 1", "is not one of enforce, testing, none")]
    [InlineData("version: STSv1\nmode: enforce\nmx: a.example", "the max_age field is missing")]
    [InlineData("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1", "max_age '-1' is not a number of seconds")]
    [InlineData("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601", "max_age '31557601'")]
    [InlineData("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 12345678901", "max_age '12345678901'")]
    [InlineData("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 1d", "max_age '1d'")]
    [InlineData("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: ", "max_age ''")]
    [InlineData("version: STSv1\nmode: enforce\nmax_age: 86400", "the policy lists no mx pattern")]
    [InlineData("version: STSv1\nmode: enforce\nmode: none\nmx: a.example\nmax_age: 1", "the mode field appears more than once")]
    [InlineData("version: STSv1\nversion: STSv1\nmode: enforce\nmx: a.example\nmax_age: 1", "the version field appears more than once")]
    [InlineData("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 1\nmax_age: 2", "the max_age field appears more than once")]
    [InlineData("version: STSv1\nmode enforce\nmx: a.example\nmax_age: 1", "line 2 is not a 'key: value' field")]
    [InlineData("version: STSv1\n: enforce\nmx: a.example\nmax_age: 1", "line 2 is not a 'key: value' field")]
    [InlineData("version: STSv1\n mode: enforce\nmx: a.example\nmax_age: 1", "line 2 has an invalid field name")]
    [InlineData("<html><body>Not found</body></html>", "line 1 is not a 'key: value' field")]
    [InlineData("version: STSv1\nmode: enforce\nmx: *\nmax_age: 1", "'*' is not a valid mx pattern")]
    [InlineData("version: STSv1\nmode: enforce\nmx: *example.com\nmax_age: 1", "'*example.com' is not a valid mx pattern")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.*.example.com\nmax_age: 1", "is not a valid mx pattern")]
    [InlineData("version: STSv1\nmode: enforce\nmx: *.*.example.com\nmax_age: 1", "is not a valid mx pattern")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx..example.com\nmax_age: 1", "is not a valid mx pattern")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.com.\nmax_age: 1", "is not a valid mx pattern")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx_1.example.com\nmax_age: 1", "is not a valid mx pattern")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.com mx2.example.com\nmax_age: 1", "is not a valid mx pattern")]
    [InlineData("version: STSv1\nmode: enforce\nmx: \nmax_age: 1", "'' is not a valid mx pattern")]
    public void Parse_BadPolicy_NullWithTheReason(string text, string expected)
    {
        var policy = MtaStsPolicy.Parse(text, out var problem);

        Assert.Null(policy);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HugeField_ReasonIsShortened()
    {
        var policy = MtaStsPolicy.Parse("version: STSv1\nmode: " + new string('x', 10_000) + "\nmx: a.example\nmax_age: 1", out var problem);

        Assert.Null(policy);
        Assert.True(problem!.Length < 200, problem);
    }

    [Theory]
    [InlineData("mail.example.com", "mail.example.com", true)]
    [InlineData("mail.example.com", "MAIL.Example.COM", true)]
    [InlineData("mail.example.com", "mail.example.com.", true)]
    [InlineData("mail.example.com", "mail2.example.com", false)]
    [InlineData("mail.example.com", "example.com", false)]
    [InlineData("mail.example.com", "xmail.example.com", false)]
    [InlineData("*.example.com", "mx1.example.com", true)]
    [InlineData("*.example.com", "MX1.EXAMPLE.COM.", true)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("*.example.com", "a.mx1.example.com", false)]
    [InlineData("*.example.com", ".example.com", false)]
    [InlineData("*.example.com", "mx1.example.com.evil.test", false)]
    [InlineData("*.example.com", "mx1.badexample.com", false)]
    [InlineData("*.example.com", "", false)]
    [InlineData("*.example.com", ".", false)]
    public void Matches_Pattern(string pattern, string host, bool expected)
    {
        Assert.Equal(expected, MtaStsPolicy.Matches(pattern, host));
    }

    [Fact]
    public void Matches_AnyPatternOfThePolicy()
    {
        var policy = MtaStsPolicy.Parse("version: STSv1\nmode: enforce\nmx: mx.example.com\nmx: *.backup.example.net\nmax_age: 60", out _)!;

        Assert.True(policy.Matches("mx.example.com"));
        Assert.True(policy.Matches("b1.backup.example.net"));
        Assert.False(policy.Matches("backup.example.net"));
        Assert.False(policy.Matches("mx.example.org"));
    }

    [Theory]
    [InlineData("v=STSv1; id=20260101T000000", "20260101T000000")]
    [InlineData("v=STSv1;id=abc123;", "abc123")]
    [InlineData("v=STSv1; id=1; ext_name-1.x=value!", "1")]
    [InlineData("v=STSv1;\tid=A1\t;", "A1")]
    public void FindId_ValidRecord_TheId(string record, string expected)
    {
        Assert.Equal(expected, MtaStsRecord.FindId([record], out var problem));
        Assert.Null(problem);
    }

    [Fact]
    public void FindId_OtherRecordsIgnored()
    {
        Assert.Equal("7", MtaStsRecord.FindId(["v=spf1 -all", "v=STSv1; id=7", "hello"], out _));
    }

    [Fact]
    public void FindId_NoStsRecord_NullWithoutProblem()
    {
        Assert.Null(MtaStsRecord.FindId([], out var none));
        Assert.Null(none);
        Assert.Null(MtaStsRecord.FindId(["v=spf1 -all", "v=STSv1 id=1", "V=STSv1; id=1"], out var other));
        Assert.Null(other);
    }

    [Theory]
    [InlineData("v=STSv1;", "the TXT record has no id")]
    [InlineData("v=STSv1; id=", "is not name=value")]
    [InlineData("v=STSv1; id=abc-def", "is not 1 to 32 letters and digits")]
    [InlineData("v=STSv1; id=123456789012345678901234567890123", "is not 1 to 32 letters and digits")]
    [InlineData("v=STSv1; id=1; id=2", "more than one id")]
    [InlineData("v=STSv1; id=1;; x=y", "an empty field")]
    [InlineData("v=STSv1; id=1; bad field=x", "is not a valid extension")]
    [InlineData("v=STSv1; noequals; id=1", "is not name=value")]
    public void FindId_BadRecord_NullWithTheReason(string record, string expected)
    {
        Assert.Null(MtaStsRecord.FindId([record], out var problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void FindId_TwoStsRecords_NoPolicy()
    {
        Assert.Null(MtaStsRecord.FindId(["v=STSv1; id=1", "v=STSv1; id=2"], out var problem));
        Assert.Contains("2 v=STSv1 TXT records", problem, StringComparison.Ordinal);
    }
}
