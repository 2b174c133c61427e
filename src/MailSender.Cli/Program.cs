namespace MailSender.Cli;

/// <summary>The entry point of the <c>mailsender</c> tool.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();

        // The first Ctrl+C cancels the send cleanly; a second one ends the process as usual.
        Console.CancelKeyPress += (_, e) =>
        {
            if (!cancellation.IsCancellationRequested)
            {
                e.Cancel = true;
                cancellation.Cancel();
            }
        };

        // SIGTERM (a service manager stopping `mailsender worker`) stops as gracefully as Ctrl+C; a second one ends the process.
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            if (!cancellation.IsCancellationRequested)
            {
                context.Cancel = true;
                cancellation.Cancel();
            }
        });

        return await CliApplication.RunAsync(args, Console.Out, Console.Error, cancellation.Token).ConfigureAwait(false);
    }
}
