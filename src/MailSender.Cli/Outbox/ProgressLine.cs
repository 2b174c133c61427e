namespace MailSender.Cli.Outbox;

/// <summary>
/// One line on standard error that a long operation rewrites as it goes (import, worker), on a terminal only: when
/// standard error is redirected (a script, a log file, a test), it prints nothing. Other lines (warnings) are written
/// above it through <see cref="WriteLine"/>.
/// </summary>
internal sealed class ProgressLine(CliContext context)
{
    // Redrawing for every message of a large import would cost more than the import on a slow terminal.
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(100);

    private readonly bool _enabled = ReferenceEquals(context.Error, Console.Error) && !Console.IsErrorRedirected;
    private readonly Lock _lock = new();
    private string _text = string.Empty;
    private int _width;
    private long _lastDrawn;

    /// <summary>Shows <paramref name="text"/> (redrawn at most ten times a second).</summary>
    public void Update(string text)
    {
        if (!_enabled)
        {
            return;
        }

        lock (_lock)
        {
            _text = text;
            if (Environment.TickCount64 - _lastDrawn >= MinimumInterval.TotalMilliseconds)
            {
                Draw();
            }
        }
    }

    /// <summary>Writes a line of its own on standard error, above the progress line.</summary>
    public void WriteLine(string line)
    {
        lock (_lock)
        {
            if (_enabled && _width > 0)
            {
                context.Error.Write("\r" + new string(' ', _width) + "\r");
                context.Error.WriteLine(line);
                Draw();
            }
            else
            {
                context.Error.WriteLine(line);
            }
        }
    }

    /// <summary>Erases the line: the command's summary, which follows, says the same.</summary>
    public void Done()
    {
        if (!_enabled)
        {
            return;
        }

        lock (_lock)
        {
            if (_width > 0)
            {
                context.Error.Write("\r" + new string(' ', _width) + "\r");
                _width = 0;
            }

            _text = string.Empty;
        }
    }

    private void Draw()
    {
        context.Error.Write("\r" + _text.PadRight(_width));
        _width = Math.Max(_width, _text.Length);
        _lastDrawn = Environment.TickCount64;
    }
}
