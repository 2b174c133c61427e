using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using MailSender.Diagnostics;
using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailSender.Tests.Diagnostics;

/// <summary>
/// A sender built with <c>AddMailSender</c>, <c>AddMetrics</c> and a capturing logger, with everything it reports:
/// the spans of this test's trace, the measurements of this provider's meter (tests run in parallel, so both are isolated)
/// and every log event at every level.
/// </summary>
internal sealed class TelemetryCapture : IAsyncDisposable
{
    private readonly ActivityListener _activityListener;
    private readonly MeterListener _meterListener;
    private readonly Activity _root;
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ConcurrentQueue<RecordedMeasurement> _measurements = new();
    private readonly MailSenderHost _host;
    private readonly Meter _meter;

    private TelemetryCapture(Action<MailSenderOptions> configure, Action<IMailSenderBuilder>? build = null)
    {
        Logs = new CapturingLoggerProvider();
        _host = MailSenderHost.Build(configure, build: builder =>
        {
            builder.Services
                .AddMetrics()
                .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
            build?.Invoke(builder);
        });
        _meter = _host.Provider.GetRequiredService<MailSenderTelemetry>().Instruments.Meter;

        // Spans are recorded for this test's trace only: a root span, the parent of every send made here.
        _root = new Activity("test-root");
        _root.SetIdFormat(ActivityIdFormat.W3C);
        _root.Start();
        var traceId = _root.TraceId;
        _activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == MailSenderTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId)
                {
                    _spans.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_activityListener);

        _meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, _meter))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meterListener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        _meterListener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        _meterListener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        _meterListener.Start();
    }

    public IEmailSender Sender => _host.Sender;

    public IServiceProvider Provider => _host.Provider;

    public Meter Meter => _meter;

    public CapturingLoggerProvider Logs { get; }

    public IReadOnlyList<Activity> Spans => [.. _spans];

    public IReadOnlyList<RecordedMeasurement> Measurements => [.. _measurements];

    /// <summary>A sender built from <paramref name="configure"/>, with further builder steps (e.g. a second named sender).</summary>
    public static TelemetryCapture Build(Action<MailSenderOptions> configure, Action<IMailSenderBuilder> build) => new(configure, build);

    /// <summary>A sender with resilience on and millisecond back-offs, as tests/Resilience uses.</summary>
    public static TelemetryCapture WithRetries(string transport, Action<MailSenderOptions>? configure = null, Action<IMailSenderBuilder>? build = null) => new(
        o =>
        {
            o.Transport = transport;
            o.Resilience.Retry.Delay = TimeSpan.FromMilliseconds(1);
            o.Resilience.Retry.MaxDelay = TimeSpan.FromMilliseconds(5);
            o.Resilience.CircuitBreaker.MinimumThroughput = 1000;
            configure?.Invoke(o);
        },
        build);

    /// <summary>A sender with resilience off: one attempt per send.</summary>
    public static TelemetryCapture WithoutRetries(string transport, Action<MailSenderOptions>? configure = null) => new(o =>
    {
        o.Transport = transport;
        o.Resilience.Enabled = false;
        configure?.Invoke(o);
    });

    public IReadOnlyList<RecordedMeasurement> Of(string instrument) => Measurements.Where(m => m.Instrument == instrument).ToArray();

    /// <summary>Reads the observable instruments (the pool's) now.</summary>
    public IReadOnlyList<RecordedMeasurement> Observe(string instrument)
    {
        var before = _measurements.Count;
        _meterListener.RecordObservableInstruments();
        return Measurements.Skip(before).Where(m => m.Instrument == instrument).ToArray();
    }

    public Activity Span(string name) => Assert.Single(Spans, s => s.OperationName == name);

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _root.Stop();
        _activityListener.Dispose();
        _meterListener.Dispose();
    }

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Enqueue(new RecordedMeasurement(instrument.Name, instrument.Unit, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), copy));
    }
}

/// <summary>One measurement: instrument, unit, value and attributes.</summary>
internal sealed record RecordedMeasurement(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, object?> Tags);
