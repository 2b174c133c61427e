namespace MailSender.Cli.Outbox;

/// <summary>
/// One line on standard error that a long operation rewrites as it goes (import, worker), on a terminal only: when
/// standard error is redirected (a script, a log file, a test), it prints nothing.
/// </summary>
internal sealed class ProgressLine(CliContext context)
{
    private readonly bool _enabled = ReferenceEquals(context.Error, Console.Error) && !Console.IsErrorRedirected;
    private int _width;

    public void Update(string text)
    {
        if (!_enabled)
        {
            return;
        }

        context.Error.Write("\r" + text.PadRight(_width));
        _width = Math.Max(_width, text.Length);
    }

    public void Done()
    {
        if (_enabled && _width > 0)
        {
            context.Error.WriteLine();
        }
    }
}
