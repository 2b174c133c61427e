using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MailSender.TestSupport;

/// <summary>An <see cref="ILoggerProvider"/> that keeps every event: level, id, name, message, state values and exception.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _events = new();

    public IReadOnlyList<CapturedLog> Events => [.. _events];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.Select(p => $"{p.Key}={Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture)}").ToArray()
                : [Convert.ToString(state, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty];
            owner._events.Enqueue(new CapturedLog(category, logLevel, eventId.Id, eventId.Name, formatter(state, exception), values, exception?.ToString(), exception));
        }
    }
}

/// <summary>One log event as a sink would see it (<see cref="Exception"/> as text, <see cref="Thrown"/> the object).</summary>
public sealed record CapturedLog(string Category, LogLevel Level, int Id, string? Name, string Message, IReadOnlyList<string> StateValues, string? Exception, Exception? Thrown)
{
    /// <summary>Gets every text of the event: message, each state value, exception.</summary>
    public IEnumerable<string> Texts => [Message, .. StateValues, Exception ?? string.Empty];
}
