using Microsoft.Extensions.Logging;

namespace MailSender.Cli.Output;

/// <summary>
/// The library's log as a long-running command shows it, one line each, written as it happens: the outbox's warnings
/// (a message deferred or failed, the store unreachable) and every category's errors. The sender's own warnings about
/// the same attempt are left out: the outbox's line already says what became of the message.
/// </summary>
/// <param name="write">Writes one line (on standard error, above the progress line).</param>
/// <param name="redactor">Masks the store's and transport's passwords.</param>
internal sealed class WarningLog(Action<string> write, SecretRedactor redactor) : ILoggerFactory
{
    /// <summary>The category of the outbox's log (OutboxTelemetry).</summary>
    private const string OutboxCategory = "MailSender.Outbox";

    public ILogger CreateLogger(string categoryName) =>
        new Logger(this, categoryName == OutboxCategory ? LogLevel.Warning : LogLevel.Error);

    public void AddProvider(ILoggerProvider provider)
    {
        // The CLI's own sink only.
    }

    public void Dispose()
    {
        // Nothing to release: lines are written as they come.
    }

    private void Write(LogLevel level, string text) =>
        write((level >= LogLevel.Error ? "mailsender: error: " : "mailsender: warning: ") + redactor.Redact(text.ReplaceLineEndings(" ").Trim()));

    private sealed class Logger(WarningLog log, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            log.Write(logLevel, formatter(state, exception));
        }
    }
}
