using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailSender.Benchmarks.Telemetry;

/// <summary>Which of MailSender's signals someone listens to in a telemetry benchmark.</summary>
[Flags]
internal enum TelemetrySignals
{
    None = 0,
    Tracing = 1,
    Metrics = 2,
    Logging = 4,
    All = Tracing | Metrics | Logging,
}

/// <summary>
/// The cheapest listeners that still make MailSender do all its telemetry work: an <see cref="ActivityListener"/> that
/// records every <c>MailSender</c> span, a <see cref="MeterListener"/> that records every <c>MailSender</c> measurement,
/// and an Information-level logger whose sink formats each message and drops it. Each only counts what it receives.
/// </summary>
internal sealed class TelemetryListeners : IDisposable
{
    private const string Name = "MailSender";

    private readonly TelemetrySignals _signals;
    private readonly ActivityListener? _activities;
    private readonly MeterListener? _meters;

    private TelemetryListeners(TelemetrySignals signals)
    {
        _signals = signals;
        if (signals.HasFlag(TelemetrySignals.Tracing))
        {
            _activities = new ActivityListener
            {
                ShouldListenTo = source => source.Name == Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _ => Spans++,
            };
            ActivitySource.AddActivityListener(_activities);
        }

        if (signals.HasFlag(TelemetrySignals.Metrics))
        {
            _meters = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == Name)
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _meters.SetMeasurementEventCallback<long>((_, value, _, _) => Measurements += value > 0 ? 1 : 0);
            _meters.SetMeasurementEventCallback<int>((_, value, _, _) => Measurements += value > 0 ? 1 : 0);
            _meters.SetMeasurementEventCallback<double>((_, value, _, _) => Measurements += value >= 0 ? 1 : 0);
            _meters.Start();
        }
    }

    /// <summary>Gets how many spans ended; proves the listener saw something.</summary>
    public long Spans { get; private set; }

    /// <summary>Gets how many measurements were recorded.</summary>
    public long Measurements { get; private set; }

    /// <summary>Gets how many characters of formatted log messages the sink dropped.</summary>
    public static long LoggedCharacters => DiscardingLoggerProvider.Characters;

    /// <summary>Throws unless every signal listened to has received something (call after one send).</summary>
    public void EnsureReceived()
    {
        if ((_signals.HasFlag(TelemetrySignals.Tracing) && Spans == 0)
            || (_signals.HasFlag(TelemetrySignals.Metrics) && Measurements == 0)
            || (_signals.HasFlag(TelemetrySignals.Logging) && LoggedCharacters == 0))
        {
            throw new InvalidOperationException($"A listener received nothing: {Spans} spans, {Measurements} measurements, {LoggedCharacters} characters logged.");
        }
    }

    /// <summary>Starts the listeners for <paramref name="signals"/> and, for logging, adds the sink to <paramref name="services"/>.</summary>
    public static TelemetryListeners Start(TelemetrySignals signals, IServiceCollection services)
    {
        if (signals.HasFlag(TelemetrySignals.Logging))
        {
            services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Information).AddProvider(new DiscardingLoggerProvider()));
        }

        return new TelemetryListeners(signals);
    }

    public void Dispose()
    {
        _activities?.Dispose();
        _meters?.Dispose();
    }

    /// <summary>A logging provider that does what every real one does first, format the message, then drops it.</summary>
    private sealed class DiscardingLoggerProvider : ILoggerProvider
    {
        public static long Characters { get; set; }

        public ILogger CreateLogger(string categoryName) => new DiscardingLogger();

        public void Dispose()
        {
        }

        private sealed class DiscardingLogger : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                DiscardingLoggerProvider.Characters += formatter(state, exception).Length;
        }
    }
}
