using System.Net;
using MailSender.TestSupport;

namespace MailSender.Deliverability.Tests.Doctor;

/// <summary>
/// <see cref="DeliverabilityDoctor"/> against the dnsmasq that scripts/direct/setup.sh starts on 127.0.0.1:15353 with
/// the doctor records of scripts/direct/dnsmasq.conf: a good domain and broken ones.
/// </summary>
public sealed class DoctorTests
{
    private static readonly IPEndPoint Dns = IPEndPoint.Parse("127.0.0.1:15353");
    private static readonly Lazy<Task<bool>> Available = new(ProbeAsync);

    internal static string TestKey => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Doctor", "dkim-test-1024.pem"));

    [SkippableFact]
    public async Task GoodDomain_HasNoErrors_AndTheKeyMatches()
    {
        await RequireDnsAsync();

        var findings = await DeliverabilityDoctor.CheckAsync(new DoctorRequest { From = "news@good.doctor.test", DkimSelector = "s1", DkimPrivateKeyPem = TestKey, DnsServer = Dns });

        Assert.DoesNotContain(findings, f => f.Severity == FindingSeverity.Error);
        Assert.Equal(FindingSeverity.Ok, Single(findings, "spf").Severity);
        Assert.Contains("(1)", Single(findings, "spf").Message, StringComparison.Ordinal);
        Assert.Equal(FindingSeverity.Ok, Single(findings, "dkim").Severity);
        Assert.Equal(FindingSeverity.Warning, Single(findings, "dkim-key-size").Severity);
        Assert.Equal(FindingSeverity.Ok, Single(findings, "dmarc").Severity);
        Assert.Equal(FindingSeverity.Ok, Single(findings, "mx").Severity);
        Assert.Equal(FindingSeverity.Ok, Single(findings, "mta-sts").Severity);
        Assert.Equal(FindingSeverity.Ok, Single(findings, "tls-rpt").Severity);
    }

    [SkippableFact]
    public async Task TwoSpfRecords_IsAnError()
    {
        await RequireDnsAsync();

        var findings = await DeliverabilityDoctor.CheckAsync(new DoctorRequest { From = "twospf.doctor.test", DnsServer = Dns });

        var spf = Single(findings, "spf");
        Assert.Equal(FindingSeverity.Error, spf.Severity);
        Assert.Contains("2 SPF records", spf.Message, StringComparison.Ordinal);
        Assert.NotNull(spf.Fix);
    }

    [SkippableFact]
    public async Task MissingDmarc_IsAnError_AndMissingMtaStsAWarning()
    {
        await RequireDnsAsync();

        var findings = await DeliverabilityDoctor.CheckAsync(new DoctorRequest { From = "a@nodmarc.doctor.test", DnsServer = Dns });

        Assert.Equal(FindingSeverity.Error, Single(findings, "dmarc").Severity);
        Assert.Equal(FindingSeverity.Warning, Single(findings, "mta-sts").Severity);
        Assert.Equal(FindingSeverity.Ok, Single(findings, "spf").Severity);
    }

    [SkippableFact]
    public async Task DkimKeyThatDoesNotMatch_IsAnError()
    {
        await RequireDnsAsync();

        var findings = await DeliverabilityDoctor.CheckAsync(new DoctorRequest { From = "badkey.doctor.test", DkimSelector = "s1", DkimPrivateKeyPem = TestKey, DnsServer = Dns });

        var dkim = Single(findings, "dkim");
        Assert.Equal(FindingSeverity.Error, dkim.Severity);
        Assert.Contains("does not match", dkim.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task MissingSelector_IsAnError()
    {
        await RequireDnsAsync();

        var findings = await DeliverabilityDoctor.CheckAsync(new DoctorRequest { From = "good.doctor.test", DkimSelector = "nope", DnsServer = Dns });

        Assert.Contains("No DKIM key is published at nope._domainkey.good.doctor.test", Single(findings, "dkim").Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task TooManySpfLookups_IsAnError()
    {
        await RequireDnsAsync();

        var findings = await DeliverabilityDoctor.CheckAsync(new DoctorRequest { From = "manylookups.doctor.test", DnsServer = Dns });

        var spf = Single(findings, "spf");
        Assert.Equal(FindingSeverity.Error, spf.Severity);
        Assert.Contains("needs 12 DNS lookups", spf.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NameServerThatDoesNotAnswer_IsDnsUnavailable_NotMissingRecords()
    {
        var silent = new IPEndPoint(IPAddress.Loopback, LoopbackPorts.Closed());

        var error = await Assert.ThrowsAsync<DnsUnavailableException>(() => DeliverabilityDoctor.CheckAsync(new DoctorRequest { From = "good.doctor.test", DnsServer = silent, DnsTimeout = TimeSpan.FromMilliseconds(300) }));

        Assert.Contains("did not answer", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a domain")]
    [InlineData("localhost")]
    public async Task BadFrom_IsAnArgumentError(string from)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => DeliverabilityDoctor.CheckAsync(new DoctorRequest { From = from, DnsServer = Dns }));
    }

    internal static async Task RequireDnsAsync() =>
        ExternalTool.Require(await Available.Value, $"dnsmasq is not answering on {Dns}: run scripts/direct/setup.sh (as root) first.");

    private static DeliverabilityFinding Single(IReadOnlyList<DeliverabilityFinding> findings, string check) =>
        Assert.Single(findings, f => f.Check == check);

    private static async Task<bool> ProbeAsync()
    {
        try
        {
            var findings = await DeliverabilityDoctor.CheckAsync(new DoctorRequest { From = "good.doctor.test", DnsServer = Dns, DnsTimeout = TimeSpan.FromSeconds(1) });
            return findings.Any(f => f.Check == "spf" && f.Severity == FindingSeverity.Ok);
        }
        catch (DnsUnavailableException)
        {
            return false;
        }
    }
}
