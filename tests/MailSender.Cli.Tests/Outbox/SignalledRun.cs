using MailSender.Cli.Tests.Infrastructure;

namespace MailSender.Cli.Tests.Outbox;

/// <summary>An in-process run of the CLI that the test can signal like Ctrl+C or SIGTERM, while it runs.</summary>
internal sealed class SignalledRun : IDisposable
{
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private readonly StopSignals _signals = new();

    private SignalledRun(string[] args)
    {
        var context = new CliContext(TextWriter.Synchronized(_output), TextWriter.Synchronized(_error), _ => null) { Signals = _signals };
        Task = System.Threading.Tasks.Task.Run(() => CliApplication.RunAsync(args, context, _signals.Stop));
    }

    /// <summary>Gets the run's exit code once it ends.</summary>
    public Task<int> Task { get; }

    public static SignalledRun Start(params string[] args) => new(args);

    /// <summary>Sends one signal; returns whether the CLI handled it (false: a real process would end now).</summary>
    public bool Signal() => _signals.Signal();

    public async Task<CliRun> WaitAsync(TimeSpan timeout)
    {
        var exitCode = await Task.WaitAsync(timeout);
        return new CliRun(exitCode, _output.ToString(), _error.ToString());
    }

    public void Dispose()
    {
        // A test that failed before the run ended must not leave it running on disposed signals.
        if (!Task.IsCompleted)
        {
            while (_signals.Signal())
            {
            }

            _ = Task.Wait(TimeSpan.FromSeconds(30));
        }

        _signals.Dispose();
        _output.Dispose();
        _error.Dispose();
    }
}
