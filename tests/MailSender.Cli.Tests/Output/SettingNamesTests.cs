using System.Text.Json;
using MailSender.Cli.Outbox;
using MailSender.Cli.Output;
using MailSender.Cli.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace MailSender.Cli.Tests.Output;

/// <summary>Issue 14: errors in the CLI name its options (--transport, --timeout, --outbox...), not the library's configuration keys.</summary>
public sealed class SettingNamesTests
{
    [Theory]
    [InlineData("foo:bar", "--transport: Unknown transport scheme 'foo:'")]
    [InlineData("smtp://127.0.0.1?timeout=abc", "--transport: Invalid transport URI smtp://127.0.0.1: option 'timeout'")]
    [InlineData("relay://sendgird", "--transport: Invalid transport relay://sendgird: unknown provider 'sendgird'")]
    [InlineData("failover(pickup:a foo:x)", "--transport: ")]
    public async Task Send_BadTransportOption_NamesTheOption(string transport, string expected)
    {
        var run = await CliRun.RunAsync(["send", "--to", "you@example.com", "--from", "me@example.com", "--subject", "S", "--text", "x", "--transport", transport, "--json"]);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.StartsWith("mailsender: Configuration: " + expected, run.ErrorLines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("MailSender:", run.Output + run.Error, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(run.Output);
        Assert.StartsWith(expected, document.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_BadTransportFromTheEnvironment_NamesTheVariable()
    {
        var run = await CliRun.RunAsync(
            ["send", "--to", "you@example.com", "--from", "me@example.com", "--subject", "S", "--text", "x"],
            new Dictionary<string, string> { [CliDefaults.TransportVariable] = "foo:bar" });

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.StartsWith("mailsender: Configuration: $MAILSENDER_TRANSPORT: Unknown transport scheme", run.ErrorLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_BadTransportOption_NamesTheOption()
    {
        var run = await CliRun.RunAsync(["verify", "--transport", "foo:bar"]);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.StartsWith("mailsender: Configuration: --transport: Unknown transport scheme", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("MailSender:", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_ValidationFailures_NamesEachByTheOptionThatSetIt()
    {
        var exception = new OptionsValidationException("", typeof(MailSenderOptions),
        [
            "MailSender:Transport: Unknown transport scheme 'foo:'.",
            "MailSender:Resilience:TotalTimeout:Timeout must not be shorter than the attempt timeout.",
            "MailSender:Resilience:Retry:MaxRetryAttempts must be between 1 and 2147483647.",
            "MailSender:Smtp:Pool:IdleTimeout must be positive.",
        ]);

        var message = SettingNames.Sender.Describe(exception);

        Assert.Equal(
            "--transport: Unknown transport scheme 'foo:'. --timeout must not be shorter than the attempt timeout. " +
            "--retries must be between 1 and 2147483647. MailSender:Smtp:Pool:IdleTimeout must be positive.",
            message);
    }

    [Theory]
    [InlineData("trust its CA with caFile=PATH (MailSender:Smtp:Tls:TrustedCaFile)", "trust its CA with caFile=PATH (caFile= in --transport)")]
    [InlineData("Set MailSender:Outbox:Store (or --outbox) to e.g. sqlite:outbox.db", "Set --outbox to e.g. sqlite:outbox.db")]
    [InlineData("point MailSender:Outbox:Store (--outbox) at a file", "point --outbox at a file")]
    [InlineData("Point MailSender:Outbox:Store at a new file; or, to enqueue in the application's own transactions, set MailSender:Outbox:ShareDatabase=true.",
        "Point --outbox at a new file; or, to enqueue in the application's own transactions, run 'mailsender outbox init' on it once.")]
    [InlineData("Send large files as links, or raise MailSender:Outbox:MaxMessageSize (the server's own limit still applies).",
        "Send large files as links, or send it without --outbox (the server's own limit still applies).")]
    [InlineData("Raise MailSender:Outbox:LeaseDuration", "Raise --lease")]
    [InlineData("MailSender:Unknown:Key stays", "MailSender:Unknown:Key stays")]
    public void Rename_OutboxAdvice_IsWordedForTheCli(string library, string cli)
    {
        Assert.Equal(cli, OutboxCli.Names.Rename(library));
    }
}
