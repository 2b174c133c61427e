using System.Text.Json;
using MailSender.Cli.Tests.Infrastructure;

namespace MailSender.Cli.Tests.Providers;

/// <summary><c>mailsender providers [--json]</c> lists the presets.</summary>
public class ProvidersCommandTests
{
    [Fact]
    public async Task Providers_Json_PrintsAnArrayWithIdNameHostPortAndSecurity()
    {
        var run = await CliRun.RunAsync(["providers", "--json"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var providers = json.RootElement.EnumerateArray().ToArray();
        Assert.True(providers.Length >= 30, run.Output);
        Assert.All(providers, p =>
        {
            Assert.False(string.IsNullOrEmpty(p.GetProperty("id").GetString()));
            Assert.False(string.IsNullOrEmpty(p.GetProperty("name").GetString()));
            Assert.False(string.IsNullOrEmpty(p.GetProperty("host").GetString()));
            Assert.InRange(p.GetProperty("port").GetInt32(), 1, 65535);
            Assert.Contains(p.GetProperty("security").GetString(), new[] { "implicitTls", "startTls", "none" });
        });
        var sendgrid = providers.Single(p => p.GetProperty("id").GetString() == "sendgrid");
        Assert.Equal(("smtp.sendgrid.net", 587, "startTls", "apikey"), (sendgrid.GetProperty("host").GetString(), sendgrid.GetProperty("port").GetInt32(), sendgrid.GetProperty("security").GetString(), sendgrid.GetProperty("userName").GetString()));
        var gmail = providers.Single(p => p.GetProperty("id").GetString() == "gmail");
        Assert.Equal(("smtp.gmail.com", 465, "implicitTls"), (gmail.GetProperty("host").GetString(), gmail.GetProperty("port").GetInt32(), gmail.GetProperty("security").GetString()));
        var ses = providers.Single(p => p.GetProperty("id").GetString() == "ses");
        Assert.Contains("eu-west-1", ses.GetProperty("regions").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("required", providers.Single(p => p.GetProperty("id").GetString() == "outlook").GetProperty("oauth").GetString());
    }

    [Fact]
    public async Task Providers_Text_PrintsOneLinePerPreset()
    {
        var run = await CliRun.RunAsync(["providers"]);

        Assert.Equal(0, run.ExitCode);
        var lines = run.Output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(SmtpProvider.All.Count, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("sendgrid ", StringComparison.Ordinal) && l.Contains("smtp.sendgrid.net:587 startTls", StringComparison.Ordinal) && l.Contains("user: apikey", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("mailgun ", StringComparison.Ordinal) && l.Contains("regions: us eu (default us)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("outlook ", StringComparison.Ordinal) && l.Contains("OAuth 2.0 only", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Providers_UnknownOption_IsAUsageError()
    {
        var run = await CliRun.RunAsync(["providers", "--jsn"]);

        Assert.Equal(2, run.ExitCode);
    }

    [Fact]
    public async Task Send_RelayTransportToUnknownProvider_IsAUsageErrorListingTheProviders()
    {
        var run = await CliRun.RunAsync(["send", "--to", "a@example.com", "--from", "b@example.com", "--subject", "s", "--text", "t", "--transport", "relay://sendgird"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("unknown provider 'sendgird'", run.Error, StringComparison.Ordinal);
        Assert.Contains("sendgrid", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_RawSlashInThePassword_SaysToPercentEncodeItWithoutEchoingIt()
    {
        var run = await CliRun.RunAsync(["send", "--to", "a@example.com", "--from", "b@example.com", "--subject", "s", "--text", "t", "--transport", "smtp://user:Hunter2/secret@127.0.0.1:2525"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("'/' as %2F", run.Error, StringComparison.Ordinal);
        Assert.Contains("MAILSENDER_PASSWORD", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Hunter2", run.Error + run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("no path", run.Error, StringComparison.Ordinal);
    }
}
