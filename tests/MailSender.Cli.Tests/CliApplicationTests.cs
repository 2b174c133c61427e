using MailSender.Cli.Tests.Infrastructure;

namespace MailSender.Cli.Tests;

public sealed class CliApplicationTests
{
    [Fact]
    public async Task RunAsync_NoCommand_ExitsTwoWithHint()
    {
        var run = await CliRun.RunAsync([]);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.StartsWith("mailsender: Usage: ", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.Equal("hint: Run 'mailsender --help' for usage.", run.ErrorLines[1]);
    }

    [Fact]
    public async Task RunAsync_UnknownOption_ExitsTwoWithOneLine()
    {
        var run = await CliRun.RunAsync(["send", "--to", "you@example.com", "--subject", "S", "--colour", "blue"]);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal(2, run.ErrorLines.Length);
        Assert.Contains("--colour", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.Equal("hint: Run 'mailsender send --help' for usage.", run.ErrorLines[1]);
    }

    [Fact]
    public async Task RunAsync_SendHelp_DocumentsEnvironmentAndExitCodes()
    {
        var run = await CliRun.RunAsync(["send", "--help"]);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains("mailsender send [options]", run.Output, StringComparison.Ordinal);
        foreach (var expected in new[] { "--to", "--cc", "--bcc", "--from", "--subject", "--text-file", "--html-file", "--attach", "--transport", "--json", "MAILSENDER_TRANSPORT", "MAILSENDER_FROM", "MAILSENDER_PASSWORD", "Exit codes:" })
        {
            Assert.Contains(expected, run.Output, StringComparison.Ordinal);
        }

        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task RunAsync_RootHelp_ListsSendCommand()
    {
        var run = await CliRun.RunAsync(["--help"]);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains("send", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exit codes:", run.Output, StringComparison.Ordinal);
    }
}
