using System.Globalization;
using System.Text.Json;
using MailSender.Cli.Tests.Infrastructure;
using MailSender.TestSupport;

namespace MailSender.Cli.Tests.Doctor;

/// <summary><c>mailsender doctor</c> against the dnsmasq of scripts/direct/setup.sh (127.0.0.1:15353): exit 0, 1 or 2.</summary>
public sealed class DoctorCommandTests
{
    private const string Dns = "127.0.0.1:15353";

    [SkippableFact]
    public async Task Doctor_GoodDomain_ExitsZero()
    {
        await RequireDnsAsync();

        var run = await CliRun.RunAsync(["doctor", "--from", "news@good.doctor.test", "--dns", Dns]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("ok      spf:", run.Output, StringComparison.Ordinal);
        Assert.Contains("news@good.doctor.test: 0 error(s)", run.Output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Doctor_MissingDmarc_ExitsOne_JsonNamesTheCheckAndTheFix()
    {
        await RequireDnsAsync();

        var run = await CliRun.RunAsync(["doctor", "--from", "nodmarc.doctor.test", "--dns", Dns, "--json"]);

        Assert.Equal(1, run.ExitCode);
        using var document = JsonDocument.Parse(run.Output);
        var dmarc = document.RootElement.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("check").GetString() == "dmarc");
        Assert.Equal("error", dmarc.GetProperty("severity").GetString());
        Assert.Contains("v=DMARC1", dmarc.GetProperty("fix").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_NameServerThatDoesNotAnswer_ExitsTwo_WithAClearError()
    {
        var port = LoopbackPorts.Closed().ToString(CultureInfo.InvariantCulture);

        var run = await CliRun.RunAsync(["doctor", "--from", "example.com", "--dns", "127.0.0.1:" + port]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("DnsUnavailable", run.Error, StringComparison.Ordinal);
        Assert.Contains("did not answer", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_KeyWithoutSelector_OrBadDns_IsAUsageError()
    {
        var key = await CliRun.RunAsync(["doctor", "--from", "example.com", "--dkim-key", "k.pem"]);
        var dns = await CliRun.RunAsync(["doctor", "--from", "example.com", "--dns", "not-an-ip"]);

        Assert.Equal(2, key.ExitCode);
        Assert.Contains("--dkim-selector", key.Error, StringComparison.Ordinal);
        Assert.Equal(2, dns.ExitCode);
        Assert.Contains("IP:PORT", dns.Error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Doctor_Transport_RelayWithoutItsInclude_ExitsOne_NamingTheFix()
    {
        await RequireDnsAsync();

        var run = await CliRun.RunAsync(["doctor", "--from", "news@good.doctor.test", "--transport", "relay://mailgun", "--dns", Dns]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("spf-sender", run.Output, StringComparison.Ordinal);
        Assert.Contains("include:mailgun.org", run.Output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Doctor_DirectWithASendingIp_ChecksSpfAndReverseDns()
    {
        await RequireDnsAsync();

        var run = await CliRun.RunAsync(["doctor", "--from", "news@direct.doctor.test", "--transport", "direct:?ehlo=mail.direct.doctor.test", "--sending-ip", "192.0.2.40", "--dns", Dns, "--json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var document = JsonDocument.Parse(run.Output);
        var checks = document.RootElement.GetProperty("findings").EnumerateArray().ToDictionary(f => f.GetProperty("check").GetString()!, f => f.GetProperty("severity").GetString());
        Assert.Equal("ok", checks["spf-sender"]);
        Assert.Equal("ok", checks["ptr"]);
    }

    [Fact]
    public async Task Doctor_BadSendingIp_OrUnknownPreset_IsAUsageError()
    {
        var ip = await CliRun.RunAsync(["doctor", "--from", "example.com", "--sending-ip", "300.1.2.3"]);
        var preset = await CliRun.RunAsync(["doctor", "--from", "example.com", "--transport", "relay://nosuch", "--dns", "127.0.0.1:" + LoopbackPorts.Closed().ToString(CultureInfo.InvariantCulture)]);

        Assert.Equal(2, ip.ExitCode);
        Assert.Contains("--sending-ip '300.1.2.3' is not an IP address", ip.Error, StringComparison.Ordinal);
        Assert.Equal(2, preset.ExitCode);
        Assert.Contains("names no provider preset", preset.Error, StringComparison.Ordinal);
    }

    private static async Task RequireDnsAsync()
    {
        var available = false;
        try
        {
            var findings = await MailSender.Deliverability.DeliverabilityDoctor.CheckAsync(new MailSender.Deliverability.DoctorRequest { From = "good.doctor.test", DnsServer = System.Net.IPEndPoint.Parse(Dns), DnsTimeout = TimeSpan.FromSeconds(1) });
            available = findings.Any(f => f.Check == "spf" && f.Severity == MailSender.Deliverability.FindingSeverity.Ok);
        }
        catch (MailSender.Deliverability.DnsUnavailableException)
        {
        }

        ExternalTool.Require(available, $"dnsmasq is not answering on {Dns} with the doctor records: run scripts/direct/setup.sh (as root) first.");
    }
}
