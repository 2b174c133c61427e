using MailSender.Cli.Tests.Infrastructure;

namespace MailSender.Cli.Tests.Send;

/// <summary>Runs with the process's current directory changed, so no other test may run at the same time.</summary>
[CollectionDefinition(nameof(CurrentDirectoryCollection), DisableParallelization = true)]
public sealed class CurrentDirectoryCollection;

[Collection(nameof(CurrentDirectoryCollection))]
public sealed class DefaultOutboxTests
{
    [Fact]
    public async Task Send_NoTransport_WritesToOutboxInCurrentDirectory()
    {
        using var temp = new TempDirectory();
        var previous = Environment.CurrentDirectory;
        CliRun run;
        try
        {
            Environment.CurrentDirectory = temp.Path;
            run = await CliRun.RunAsync(["send", "--to", "you@example.com", "--subject", "Hello", "--text", "It works"]);
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var file = Assert.Single(temp.WrittenFiles());
        Assert.Equal(Path.GetFullPath(temp.Outbox), Path.GetDirectoryName(Path.GetFullPath(file)));
        Assert.Equal("Hello", PickupFile.Load(file).Message.Subject);
    }
}
