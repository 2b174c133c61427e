using System.Runtime.InteropServices;

namespace MailSender.Cli;

/// <summary>The entry point of the <c>mailsender</c> tool.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        using var signals = new StopSignals();

        // The first Ctrl+C cancels the command cleanly; a second one aborts what `worker` still waits for, or ends the
        // process as usual (every other command, and a third one).
        Console.CancelKeyPress += (_, e) => e.Cancel = signals.Signal();

        // SIGTERM (a service manager stopping `mailsender worker`) counts like Ctrl+C.
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => context.Cancel = signals.Signal());

        var context = new CliContext(Console.Out, Console.Error, Environment.GetEnvironmentVariable) { Signals = signals, Input = Console.In };
        return await CliApplication.RunAsync(args, context, signals.Stop).ConfigureAwait(false);
    }
}
