using BenchmarkDotNet.Attributes;
using MailSender.Benchmarks.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailSender.Benchmarks;

/// <summary>
/// What MailSender's telemetry (docs/telemetry.md) costs per send when someone listens, against no listener at all:
/// one small message, built once, sent through <c>AddMailSender</c> and <see cref="IEmailSender"/> to a transport that
/// does nothing, so the sender pipeline and its telemetry are all that is measured.
/// </summary>
/// <remarks>
/// BenchmarkDotNet runs each case in a process of its own, so the process-wide listeners of one case never see another.
/// No <c>IMeterFactory</c> is registered, so the sender uses the process-wide <c>MailSender</c> meter.
/// </remarks>
[MemoryDiagnoser]
public class TelemetryOverheadBenchmarks
{
    private ServiceProvider _provider = null!;
    private IEmailSender _sender = null!;
    private MimeMessage _message = null!;
    private TelemetryListeners _listeners = null!;

    /// <summary>Gets or sets whether the resilience pipeline (on by default) wraps the transport.</summary>
    [Params(true, false)]
    public bool Resilience { get; set; }

    [GlobalSetup(Target = nameof(Baseline))]
    public Task SetupBaseline() => SetupAsync(TelemetrySignals.None);

    [GlobalSetup(Target = nameof(Tracing))]
    public Task SetupTracing() => SetupAsync(TelemetrySignals.Tracing);

    [GlobalSetup(Target = nameof(Metrics))]
    public Task SetupMetrics() => SetupAsync(TelemetrySignals.Metrics);

    [GlobalSetup(Target = nameof(Logging))]
    public Task SetupLogging() => SetupAsync(TelemetrySignals.Logging);

    [GlobalSetup(Target = nameof(All))]
    public Task SetupAll() => SetupAsync(TelemetrySignals.All);

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider.Dispose();
        _listeners.Dispose();
    }

    [Benchmark(Baseline = true, Description = "no listener")]
    public Task<SendResult> Baseline() => _sender.SendAsync(_message);

    [Benchmark(Description = "tracing (AllDataAndRecorded)")]
    public Task<SendResult> Tracing() => _sender.SendAsync(_message);

    [Benchmark(Description = "metrics (all instruments)")]
    public Task<SendResult> Metrics() => _sender.SendAsync(_message);

    [Benchmark(Description = "logging (Information)")]
    public Task<SendResult> Logging() => _sender.SendAsync(_message);

    [Benchmark(Description = "all three")]
    public Task<SendResult> All() => _sender.SendAsync(_message);

    private async Task SetupAsync(TelemetrySignals signals)
    {
        var services = new ServiceCollection();
        _listeners = TelemetryListeners.Start(signals, services);
        services.AddMailSender(options => options.Resilience.Enabled = Resilience).UseTransport(_ => new NoOpTransport());
        _provider = services.BuildServiceProvider();
        _sender = _provider.GetRequiredService<IEmailSender>();

        _message = new MimeMessage();
        _message.From.Add(new MailboxAddress("Sender", "sender@example.com"));
        _message.To.Add(new MailboxAddress("Recipient", "recipient@example.com"));
        _message.Subject = "Benchmark";
        _message.Body = new TextPart("plain") { Text = "Hello." };

        // The first send replaces MimeKit's Message-Id; every later one sends the message as it is.
        await _sender.SendAsync(_message);
        _listeners.EnsureReceived();
    }

    /// <summary>Accepts every message without looking at it.</summary>
    private sealed class NoOpTransport : IEmailTransport
    {
        public string Name => "noop:";

        public Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default) =>
            Task.FromResult(new SendResult { MessageId = message.MessageId ?? string.Empty, Transport = Name, AcceptedRecipients = [envelope.Recipients[0].Address] });
    }
}
