using System.Net;

namespace MailSender.Deliverability.Tests.Doctor;

/// <summary>
/// The doctor's checks of how mail leaves (<c>--transport</c>: the relay's SPF include, the direct sending address's SPF
/// and reverse DNS), DMARC alignment, and Ed25519 DKIM keys, against the dnsmasq records of scripts/direct/dnsmasq.conf.
/// </summary>
public sealed class DoctorSenderTests
{
    private static readonly IPEndPoint Dns = IPEndPoint.Parse("127.0.0.1:15353");

    private static string Ed25519Key => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Doctor", "dkim-test-ed25519.pem"));

    [SkippableFact]
    public async Task Relay_WhoseDocumentedIncludeIsInSpf_IsOk()
    {
        await DoctorTests.RequireDnsAsync();

        var findings = await CheckAsync(new DoctorRequest { From = "news@relay.doctor.test", Transport = "relay://mailgun", DnsServer = Dns });

        var sender = Single(findings, "spf-sender");
        Assert.Equal(FindingSeverity.Ok, sender.Severity);
        Assert.Contains("includes mailgun.org", sender.Message, StringComparison.Ordinal);
        Assert.Equal(FindingSeverity.Ok, Single(findings, "spf").Severity);
    }

    [SkippableFact]
    public async Task Relay_WhoseIncludeIsMissing_IsAnError_NamingTheInclude()
    {
        await DoctorTests.RequireDnsAsync();

        var findings = await CheckAsync(new DoctorRequest { From = "news@good.doctor.test", Transport = "relay://mailgun", DnsServer = Dns });

        var sender = Single(findings, "spf-sender");
        Assert.Equal(FindingSeverity.Error, sender.Severity);
        Assert.Equal("Add include:mailgun.org to the SPF record of good.doctor.test (before its all term).", sender.Fix);
    }

    [SkippableFact]
    public async Task SmtpHost_AuthorizedByItsAddress_IsOk_OtherwiseAnHonestWarning()
    {
        await DoctorTests.RequireDnsAsync();

        // mail.direct.doctor.test is 192.0.2.40, which direct.doctor.test's SPF names; good.doctor.test's does not.
        var authorized = await CheckAsync(new DoctorRequest { From = "direct.doctor.test", Transport = "smtp://mail.direct.doctor.test:587", DnsServer = Dns });
        var unknown = await CheckAsync(new DoctorRequest { From = "good.doctor.test", Transport = "smtp://mail.direct.doctor.test:587", DnsServer = Dns });

        Assert.Equal(FindingSeverity.Ok, Single(authorized, "spf-sender").Severity);
        Assert.Contains("192.0.2.40", Single(authorized, "spf-sender").Message, StringComparison.Ordinal);
        var warning = Single(unknown, "spf-sender");
        Assert.Equal(FindingSeverity.Warning, warning.Severity);
        Assert.Contains("is not known", warning.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Direct_FromAnAuthorizedAddress_WithForwardConfirmedPtr_MatchingEhlo_IsAllOk()
    {
        await DoctorTests.RequireDnsAsync();

        var findings = await CheckAsync(new DoctorRequest
        {
            From = "news@direct.doctor.test",
            Transport = "direct:?ehlo=mail.direct.doctor.test",
            SendingAddress = IPAddress.Parse("192.0.2.40"),
            DnsServer = Dns,
        });

        Assert.Equal(FindingSeverity.Ok, Single(findings, "spf-sender").Severity);
        Assert.Contains("ip4:192.0.2.40", Single(findings, "spf-sender").Message, StringComparison.Ordinal);
        var ptr = Single(findings, "ptr");
        Assert.Equal(FindingSeverity.Ok, ptr.Severity);
        Assert.Contains("forward-confirmed reverse DNS (mail.direct.doctor.test), and it is the EHLO name", ptr.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Direct_EhloNameThatIsNotThePtrName_IsAWarning()
    {
        await DoctorTests.RequireDnsAsync();

        var findings = await CheckAsync(new DoctorRequest { From = "direct.doctor.test", Transport = "direct:?ehlo=app.example.com", SendingAddress = IPAddress.Parse("192.0.2.40"), DnsServer = Dns });

        var ptr = Single(findings, "ptr");
        Assert.Equal(FindingSeverity.Warning, ptr.Severity);
        Assert.Equal("Set the EHLO name to mail.direct.doctor.test: direct:?ehlo=mail.direct.doctor.test or MailSender:Smtp:EhloName.", ptr.Fix);
    }

    [SkippableFact]
    public async Task Direct_FromAnAddressSpfRefuses_IsAnError_AfterEvaluatingMx()
    {
        await DoctorTests.RequireDnsAsync();

        var findings = await CheckAsync(new DoctorRequest { From = "direct.doctor.test", Transport = "direct:", SendingAddress = IPAddress.Parse("192.0.2.41"), DnsServer = Dns });

        var sender = Single(findings, "spf-sender");
        Assert.Equal(FindingSeverity.Error, sender.Severity);
        Assert.Contains("the result is fail ('-all' in the record of direct.doctor.test)", sender.Message, StringComparison.Ordinal);
        Assert.Equal("Add ip4:192.0.2.41 to the SPF record of direct.doctor.test (before its all term).", sender.Fix);
    }

    [SkippableFact]
    public async Task Direct_PtrThatDoesNotResolveBack_IsAnError()
    {
        await DoctorTests.RequireDnsAsync();

        var findings = await CheckAsync(new DoctorRequest { From = "direct.doctor.test", SendingAddress = IPAddress.Parse("192.0.2.41"), DnsServer = Dns });

        var ptr = Single(findings, "ptr");
        Assert.Equal(FindingSeverity.Error, ptr.Severity);
        Assert.Contains("names mail.wrong.doctor.test, which does not resolve back to 192.0.2.41", ptr.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Direct_AddressWithoutPtr_IsAnError()
    {
        await DoctorTests.RequireDnsAsync();

        var findings = await CheckAsync(new DoctorRequest { From = "direct.doctor.test", SendingAddress = IPAddress.Parse("192.0.2.43"), DnsServer = Dns });

        var ptr = Single(findings, "ptr");
        Assert.Equal(FindingSeverity.Error, ptr.Severity);
        Assert.Contains("has no PTR record", ptr.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task PickupTransport_SaysNothingWasChecked()
    {
        await DoctorTests.RequireDnsAsync();

        var findings = await CheckAsync(new DoctorRequest { From = "good.doctor.test", Transport = "pickup:outbox", DnsServer = Dns });

        Assert.Equal(FindingSeverity.Warning, Single(findings, "spf-sender").Severity);
    }

    [Theory]
    [InlineData("relay://no-such-provider", "names no provider preset")]
    [InlineData("smtp://", "--transport")]
    public async Task BadTransport_IsAnArgumentError(string transport, string expected)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => DeliverabilityDoctor.CheckAsync(new DoctorRequest { From = "good.doctor.test", Transport = transport, DnsServer = Dns }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task StrictAlignment_WithAReturnPathSubdomain_FailsSpfAlignment()
    {
        await DoctorTests.RequireDnsAsync();

        var findings = await CheckAsync(new DoctorRequest { From = "news@strict.doctor.test", ReturnPath = "bounces@bounce.strict.doctor.test", DnsServer = Dns });

        var alignment = Single(findings, "dmarc-alignment");
        Assert.Equal(FindingSeverity.Warning, alignment.Severity);
        Assert.Contains("the SPF domain bounce.strict.doctor.test is not aligned with strict.doctor.test (strict, aspf)", alignment.Message, StringComparison.Ordinal);
        Assert.Contains("no DKIM selector was given", alignment.Message, StringComparison.Ordinal);
        // SPF itself is checked where the envelope sender is.
        Assert.Contains("bounce.strict.doctor.test publishes one SPF record", Single(findings, "spf").Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task StrictAlignment_WithNeitherAligned_IsAnError()
    {
        await DoctorTests.RequireDnsAsync();

        var findings = await CheckAsync(new DoctorRequest { From = "news@strict.doctor.test", ReturnPath = "bounce.strict.doctor.test", DkimDomain = "good.doctor.test", DkimSelector = "s1", DnsServer = Dns });

        var alignment = Single(findings, "dmarc-alignment");
        Assert.Equal(FindingSeverity.Error, alignment.Severity);
        Assert.Contains("the DKIM domain good.doctor.test is not aligned (strict, adkim)", alignment.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task RelaxedAlignment_UnderTheSameOrganizationalDomain_IsOk()
    {
        await DoctorTests.RequireDnsAsync();

        // good.doctor.test's DMARC is relaxed: bounce.strict.doctor.test shares its organizational domain (doctor.test).
        var findings = await CheckAsync(new DoctorRequest { From = "news@good.doctor.test", ReturnPath = "bounce.strict.doctor.test", DkimSelector = "s1", DnsServer = Dns });

        var alignment = Single(findings, "dmarc-alignment");
        Assert.Equal(FindingSeverity.Ok, alignment.Severity);
        Assert.Contains("the SPF domain bounce.strict.doctor.test is aligned with good.doctor.test (relaxed, aspf)", alignment.Message, StringComparison.Ordinal);
        Assert.Contains("the DKIM domain good.doctor.test is aligned (relaxed, adkim)", alignment.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Ed25519Key_IsRecognised_AndMatchedWithItsPrivateKey()
    {
        await DoctorTests.RequireDnsAsync();

        var findings = await CheckAsync(new DoctorRequest { From = "good.doctor.test", DkimSelector = "e1", DkimPrivateKeyPem = Ed25519Key, DnsServer = Dns });

        Assert.Equal(FindingSeverity.Ok, Single(findings, "dkim").Severity);
        Assert.Contains("matches the private key", Single(findings, "dkim").Message, StringComparison.Ordinal);
        var size = Single(findings, "dkim-key-size");
        Assert.Equal(FindingSeverity.Warning, size.Severity);
        Assert.Contains("is Ed25519 (RFC 8463)", size.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Ed25519Record_WithAnRsaPrivateKey_IsAnError_NamingBothTypes()
    {
        await DoctorTests.RequireDnsAsync();

        var findings = await CheckAsync(new DoctorRequest { From = "good.doctor.test", DkimSelector = "e1", DkimPrivateKeyPem = DoctorTests.TestKey, DnsServer = Dns });

        var dkim = Single(findings, "dkim");
        Assert.Equal(FindingSeverity.Error, dkim.Severity);
        Assert.Contains("holds a ed25519 key, but the private key is rsa", dkim.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task RsaRecord_WithTheEd25519PrivateKey_IsAnError()
    {
        await DoctorTests.RequireDnsAsync();

        var findings = await CheckAsync(new DoctorRequest { From = "good.doctor.test", DkimSelector = "s1", DkimPrivateKeyPem = Ed25519Key, DnsServer = Dns });

        Assert.Contains("holds a rsa key, but the private key is ed25519", Single(findings, "dkim").Message, StringComparison.Ordinal);
    }

    private static Task<IReadOnlyList<DeliverabilityFinding>> CheckAsync(DoctorRequest request) => DeliverabilityDoctor.CheckAsync(request);

    private static DeliverabilityFinding Single(IReadOnlyList<DeliverabilityFinding> findings, string check) =>
        Assert.Single(findings, f => f.Check == check);
}
