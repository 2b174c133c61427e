using System.Globalization;
using System.Text.Json;
using MailSender.Cli.Tests.Infrastructure;
using MailSender.TestSupport;

namespace MailSender.Cli.Tests.Probe;

/// <summary><c>mailsender probe</c> against an in-process plain-text server and closed ports on 127.0.0.1: JSON shape, table and exit codes.</summary>
public class ProbeCommandTests
{
    [Fact]
    public async Task Probe_Json_HasRecommendedAndAttemptsInTheContractShape()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var port = server.Port.ToString(CultureInfo.InvariantCulture);

        var run = await CliRun.RunAsync(["probe", "127.0.0.1", "--port", port, "--timeout", "5", "--json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var document = JsonDocument.Parse(run.Output);
        var root = document.RootElement;
        Assert.Equal("127.0.0.1", root.GetProperty("host").GetString());
        var recommended = root.GetProperty("recommended");
        Assert.Equal(server.Port, recommended.GetProperty("port").GetInt32());
        Assert.Equal("none", recommended.GetProperty("security").GetString());
        Assert.Equal(JsonValueKind.Array, recommended.GetProperty("authMechanisms").ValueKind);
        Assert.Equal($"smtp://127.0.0.1:{port}?security=none", recommended.GetProperty("transport").GetString());
        var attempts = root.GetProperty("attempts").EnumerateArray().ToArray();
        Assert.Equal(2, attempts.Length);
        Assert.All(attempts, a =>
        {
            Assert.Equal(server.Port, a.GetProperty("port").GetInt32());
            Assert.Equal("configured", a.GetProperty("source").GetString());
            Assert.Contains(a.GetProperty("security").GetString(), new[] { "implicitTls", "startTls", "none" });
            Assert.True(a.GetProperty("elapsedMs").GetDouble() >= 0);
        });
        var plain = Assert.Single(attempts, a => a.GetProperty("outcome").GetString() == "usable");
        Assert.Equal("none", plain.GetProperty("security").GetString());
        Assert.StartsWith("220 ", plain.GetProperty("greeting").GetString(), StringComparison.Ordinal);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Probe_NothingListening_ExitsOneWithNullRecommendedAndHints()
    {
        var closed = LoopbackPorts.Closed().ToString(CultureInfo.InvariantCulture);

        var run = await CliRun.RunAsync(["probe", "127.0.0.1", "--port", closed, "--json"]);

        Assert.Equal(1, run.ExitCode);
        using var document = JsonDocument.Parse(run.Output);
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("recommended").ValueKind);
        Assert.All(document.RootElement.GetProperty("attempts").EnumerateArray(), a =>
        {
            Assert.Equal("failed", a.GetProperty("outcome").GetString());
            Assert.Equal("ConnectionFailed", a.GetProperty("errorKind").GetString());
            Assert.Contains("Nothing is listening", a.GetProperty("hint").GetString(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Probe_Table_ListsAttemptsAndTheRecommendation()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var port = server.Port.ToString(CultureInfo.InvariantCulture);
        var closed = LoopbackPorts.Closed().ToString(CultureInfo.InvariantCulture);

        var run = await CliRun.RunAsync(["probe", "127.0.0.1", "--port", port, "--port", closed]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("ENDPOINT", run.Output, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{closed}", run.Output, StringComparison.Ordinal);
        Assert.Contains("hint: Nothing is listening", run.Output, StringComparison.Ordinal);
        Assert.Contains($"Recommended: smtp://127.0.0.1:{port}?security=none", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_CredentialsFromEnvironmentOnPlainTextServer_AreRefusedAndExitOne()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var port = server.Port.ToString(CultureInfo.InvariantCulture);
        const string password = "Env-S3cret-Pa55!";

        var run = await CliRun.RunAsync(["probe", "127.0.0.1", "--port", port, "--user", "me@example.com", "--json"], new Dictionary<string, string> { ["MAILSENDER_PASSWORD"] = password });

        Assert.Equal(1, run.ExitCode);
        Assert.DoesNotContain(password, run.Output, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(run.Output);
        var plain = Assert.Single(document.RootElement.GetProperty("attempts").EnumerateArray(), a => a.GetProperty("security").GetString() == "none");
        Assert.Equal("notUsable", plain.GetProperty("outcome").GetString());
        Assert.Equal("TlsFailed", plain.GetProperty("errorKind").GetString());
        Assert.Contains("587", plain.GetProperty("hint").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--port", "0")]
    [InlineData("--timeout", "-1")]
    [InlineData("--user", "me@example.com")]
    public async Task Probe_BadArguments_ExitTwo(string option, string value)
    {
        var run = await CliRun.RunAsync(["probe", "127.0.0.1", option, value]);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("mailsender: Usage:", run.Error, StringComparison.Ordinal);
    }
}
