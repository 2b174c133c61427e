using BenchmarkDotNet.Attributes;
using MailSender.Benchmarks.Telemetry;
using MailSender.Benchmarks.Throughput.Modes;
using MailSender.Benchmarks.Throughput.Peers;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailSender.Benchmarks;

/// <summary>
/// The same telemetry cases as <see cref="TelemetryOverheadBenchmarks"/>, over plain SMTP to Postfix's <c>smtp-sink</c> on
/// loopback (started as the throughput harness starts it): one pooled connection, library defaults (resilience on), one
/// small message built once. Here the SMTP child span and the message-size histogram are recorded too.
/// </summary>
[MemoryDiagnoser]
public class TelemetryOverheadSmtpBenchmarks
{
    private LocalSink _sink = null!;
    private ServiceProvider _provider = null!;
    private IEmailSender _sender = null!;
    private MimeMessage _message = null!;
    private TelemetryListeners _listeners = null!;

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
    public async Task CleanupAsync()
    {
        await _provider.DisposeAsync();
        _listeners.Dispose();
        _sink.Dispose();
    }

    [Benchmark(Baseline = true, Description = "SMTP, no listener")]
    public Task<SendResult> Baseline() => _sender.SendAsync(_message);

    [Benchmark(Description = "SMTP, tracing (AllDataAndRecorded)")]
    public Task<SendResult> Tracing() => _sender.SendAsync(_message);

    [Benchmark(Description = "SMTP, metrics (all instruments)")]
    public Task<SendResult> Metrics() => _sender.SendAsync(_message);

    [Benchmark(Description = "SMTP, logging (Information)")]
    public Task<SendResult> Logging() => _sender.SendAsync(_message);

    [Benchmark(Description = "SMTP, all three")]
    public Task<SendResult> All() => _sender.SendAsync(_message);

    private async Task SetupAsync(TelemetrySignals signals)
    {
        if (!LocalSink.IsAvailable)
        {
            throw new InvalidOperationException($"{LocalSink.SmtpSinkPath} is missing: scripts/bench/install.sh installs it.");
        }

        _sink = await LocalSink.StartAsync(tls: false, CancellationToken.None);
        var services = new ServiceCollection();
        _listeners = TelemetryListeners.Start(signals, services);
        var transport = MailSenderMode.BuildTransportUri(_sink.Target, connections: 1, withPool: true);
        services.AddMailSender(options => options.Transport = transport);
        _provider = services.BuildServiceProvider();
        _sender = _provider.GetRequiredService<IEmailSender>();

        _message = new MimeMessage();
        _message.From.Add(new MailboxAddress("Sender", "sender@example.com"));
        _message.To.Add(new MailboxAddress("Recipient", "recipient@example.com"));
        _message.Subject = "Benchmark";
        _message.Body = new TextPart("plain") { Text = "Hello." };

        // Opens the pooled connection (so no case measures connect spans) and replaces MimeKit's Message-Id once.
        await _sender.SendAsync(_message);
        _listeners.EnsureReceived();
    }
}
