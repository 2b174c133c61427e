using Microsoft.Extensions.Logging;

namespace MailSender.Cli.Output;

/// <summary>
/// The library's log as a long-running command shows it: warnings and errors only (a message deferred or failed, the
/// store unreachable), one line each, written as they happen, so an operator sees why a worker is not getting on.
/// </summary>
/// <param name="write">Writes one line (on standard error, above the progress line).</param>
/// <param name="redactor">Masks the store's and transport's passwords.</param>
internal sealed class WarningLog(Action<string> write, SecretRedactor redactor) : ILoggerFactory, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
        // The CLI's own sink only.
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel is >= LogLevel.Warning and not LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var text = formatter(state, exception).ReplaceLineEndings(" ").Trim();
        write((logLevel >= LogLevel.Error ? "mailsender: error: " : "mailsender: warning: ") + redactor.Redact(text));
    }

    public void Dispose()
    {
        // Nothing to release: lines are written as they come.
    }
}
