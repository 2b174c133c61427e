using System.Globalization;
using System.Text;
using System.Text.Json;
using MailSender.Cli.Tests.Infrastructure;
using MailSender.TestSupport;

namespace MailSender.Cli.Tests.Output;

/// <summary>
/// Passwords on the command line: a warning on standard error that points to MAILSENDER_PASSWORD (never the password
/// itself), none when the password comes from the environment, and no form of a password echoed by a server in the output.
/// </summary>
public sealed class CommandLineSecretTests
{
    private const string Password = "S3cretPw-Cli";

    [Fact]
    public async Task Send_PasswordInTransportOption_WarnsOnStandardErrorFirstAndNeverPrintsIt()
    {
        var run = await CliRun.RunAsync(
        [
            "send", "--to", "you@example.com", "--from", "me@example.com", "--subject", "S", "--text", "x",
            "--transport", $"smtp://user:{Password}@127.0.0.1:{Port(LoopbackPorts.Closed())}?security=none", "--json",
        ]);

        Assert.True(run.ExitCode == ExitCodes.SendFailed, run.ToString());
        AssertWarning(run.ErrorLines[0], "--transport");

        // Then a retrying event per failed attempt (--json), then the error.
        Assert.All(run.ErrorLines[1..^2], l => Assert.StartsWith("{\"event\":\"retrying\"", l, StringComparison.Ordinal));
        Assert.StartsWith("mailsender: ConnectionFailed: ", run.ErrorLines[^2], StringComparison.Ordinal);
        Assert.DoesNotContain(Password, run.Output + run.Error, StringComparison.Ordinal);

        // Standard output stays one JSON document.
        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal("ConnectionFailed", json.RootElement.GetProperty("error").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Send_PasswordInSecondUriOfAComposite_WarnsAndMasksIt()
    {
        var closed = Port(LoopbackPorts.Closed());
        var run = await CliRun.RunAsync(
        [
            "send", "--to", "you@example.com", "--from", "me@example.com", "--subject", "S", "--text", "x",
            "--transport", $"failover(smtp://127.0.0.1:{closed}?security=none smtp://user:{Password}@127.0.0.1:{closed}?security=none&colour=blue)",
        ]);

        Assert.True(run.ExitCode == ExitCodes.UsageError, run.ToString());
        AssertWarning(run.ErrorLines[0], "--transport");
        Assert.DoesNotContain(Password, run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_PasswordFromEnvironment_NoWarning()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH PLAIN"] });

        var run = await CliRun.RunAsync(
            [
                "send", "--to", "you@example.com", "--from", "me@example.com", "--subject", "S", "--text", "x",
                "--transport", $"smtp://user@127.0.0.1:{Port(server.Port)}?security=none&allowInsecureAuth=true",
            ],
            new Dictionary<string, string> { ["MAILSENDER_PASSWORD"] = Password });

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Empty(run.Error);
        Assert.Single(server.CommandsStartingWith("AUTH"));
    }

    [Fact]
    public async Task Send_PasswordInTransportVariable_NoWarning()
    {
        var run = await CliRun.RunAsync(
            ["send", "--to", "you@example.com", "--from", "me@example.com", "--subject", "S", "--text", "x"],
            new Dictionary<string, string> { ["MAILSENDER_TRANSPORT"] = $"smtp://user:{Password}@127.0.0.1:{Port(LoopbackPorts.Closed())}?security=none" });

        Assert.True(run.ExitCode == ExitCodes.SendFailed, run.ToString());
        Assert.DoesNotContain(run.ErrorLines, l => l.Contains("warning", StringComparison.Ordinal));
        Assert.DoesNotContain(Password, run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_PasswordInTransportOption_Warns()
    {
        var run = await CliRun.RunAsync(["verify", "--transport", $"smtp://user:{Password}@127.0.0.1:{Port(LoopbackPorts.Closed())}?security=none"]);

        Assert.True(run.ExitCode == ExitCodes.SendFailed, run.ToString());
        AssertWarning(run.ErrorLines[0], "--transport");
        Assert.DoesNotContain(Password, run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_PasswordOption_Warns_PasswordFromEnvironment_DoesNot()
    {
        var closed = Port(LoopbackPorts.Closed());

        var option = await CliRun.RunAsync(["probe", "127.0.0.1", "--port", closed, "--user", "user", "--password", Password]);
        var environment = await CliRun.RunAsync(["probe", "127.0.0.1", "--port", closed, "--user", "user"], new Dictionary<string, string> { ["MAILSENDER_PASSWORD"] = Password });

        Assert.Equal(1, option.ExitCode);
        AssertWarning(option.ErrorLines[0], "--password");
        Assert.DoesNotContain(Password, option.Output + option.Error, StringComparison.Ordinal);
        Assert.Equal(1, environment.ExitCode);
        Assert.DoesNotContain(environment.ErrorLines, l => l.Contains("warning", StringComparison.Ordinal));
    }

    /// <summary>The consolidation issue's hardening item: a 535 reply quoting the AUTH PLAIN argument must not reach --json.</summary>
    [Fact]
    public async Task Send_ServerEchoesTheCredentialsInItsRefusal_JsonAndStandardErrorHoldNoFormOfThem()
    {
        var plain = "\0user\0" + Password;
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(plain));
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = ["AUTH PLAIN"],
            Intercept = (exchange, _) => Task.FromResult(exchange.Verb == "AUTH"
                ? $"535 5.7.8 Authentication failed for {exchange.Command[11..]} ({plain.Replace('\0', ' ')})"
                : null),
        });

        var run = await CliRun.RunAsync(
            [
                "send", "--to", "you@example.com", "--from", "me@example.com", "--subject", "S", "--text", "x",
                "--transport", $"smtp://user@127.0.0.1:{Port(server.Port)}?security=none&allowInsecureAuth=true", "--json",
            ],
            new Dictionary<string, string> { ["MAILSENDER_PASSWORD"] = Password });

        Assert.True(run.ExitCode == ExitCodes.SendFailed, run.ToString());
        using var json = JsonDocument.Parse(run.Output);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("AuthenticationFailed", error.GetProperty("kind").GetString());
        Assert.Contains("***", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        foreach (var secret in new[] { Password, base64, base64[..16] })
        {
            Assert.DoesNotContain(secret, run.Output + run.Error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("timeout=1e400", "'timeout'")]
    [InlineData("idleTimeout=99999999999h", "'idleTimeout'")]
    [InlineData("timeout=99999999999999999999", "'timeout'")]
    public async Task Send_OverflowingDuration_ExitsTwoNamingTheSetting(string parameter, string name)
    {
        var run = await CliRun.RunAsync(
            ["send", "--to", "you@example.com", "--from", "me@example.com", "--subject", "S", "--text", "x", "--transport", "smtp://127.0.0.1:25?" + parameter]);

        Assert.True(run.ExitCode == ExitCodes.UsageError, run.ToString());
        Assert.StartsWith("mailsender: Configuration: ", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.Contains(name, run.ErrorLines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("bug", run.Error, StringComparison.OrdinalIgnoreCase);
    }

    private static void AssertWarning(string line, string option)
    {
        Assert.StartsWith($"mailsender: warning: the password in {option} ", line, StringComparison.Ordinal);
        Assert.Contains("MAILSENDER_PASSWORD", line, StringComparison.Ordinal);
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
