using System.Diagnostics;
using System.Text;

namespace MailSender.Cli.Tests.Infrastructure;

/// <summary>A writer that records each line with the time it was written, for tests that a line comes as it happens, not at the end.</summary>
internal sealed class LineRecorder : TextWriter
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly StringBuilder _current = new();
    private readonly List<(TimeSpan At, string Line)> _lines = [];

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>Gets the complete lines so far, each with the time since this writer was created.</summary>
    public IReadOnlyList<(TimeSpan At, string Line)> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Returns every complete line, one per line, as a <see cref="StringWriter"/> would hold them.</summary>
    public override string ToString() => string.Join(Environment.NewLine, Lines.Select(l => l.Line)) + (Lines.Count > 0 ? Environment.NewLine : string.Empty);

    public override void Write(char value)
    {
        lock (_lines)
        {
            if (value == '\n')
            {
                _lines.Add((_clock.Elapsed, _current.ToString().TrimEnd('\r')));
                _current.Clear();
            }
            else
            {
                _current.Append(value);
            }
        }
    }
}
