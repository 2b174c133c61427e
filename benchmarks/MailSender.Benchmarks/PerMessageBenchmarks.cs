using BenchmarkDotNet.Attributes;
using MailSender;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailSender.Benchmarks;

/// <summary>
/// What MailSender adds per message before any I/O (validation, envelope, measuring) compared with
/// MimeKit serialising the same message, the unavoidable baseline.
/// </summary>
[MemoryDiagnoser]
public class PerMessageBenchmarks
{
    private ServiceProvider _provider = null!;
    private IEmailSender _sender = null!;

    [Params(2 * 1024, 100 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddMailSender(_ => { }).UseTransport(_ => new DiscardingTransport());
        _provider = services.BuildServiceProvider();
        _sender = _provider.GetRequiredService<IEmailSender>();
    }

    [GlobalCleanup]
    public void Cleanup() => _provider.Dispose();

    [Benchmark(Baseline = true, Description = "MimeKit: build + write")]
    public long MimeKitWrite()
    {
        var message = Build();
        var counter = new MimeKit.IO.MeasuringStream();
        message.WriteTo(counter);
        return counter.Length;
    }

    [Benchmark(Description = "MailSender: build + SendAsync (discarding transport)")]
    public async Task<long> MailSenderSend()
    {
        var result = await _sender.SendAsync(Build());
        return result.AcceptedRecipients.Count;
    }

    private MimeMessage Build()
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender", "sender@example.com"));
        message.To.Add(new MailboxAddress("Recipient", "recipient@example.com"));
        message.Subject = "Benchmark";
        message.Body = new TextPart("plain") { Text = new string('x', Size) };
        return message;
    }

    /// <summary>Writes the message to nowhere, as a transport would write it to a socket.</summary>
    private sealed class DiscardingTransport : IEmailTransport
    {
        public string Name => "discard:";

        public Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default)
        {
            message.WriteTo(Stream.Null, cancellationToken);
            return Task.FromResult(new SendResult { MessageId = message.MessageId ?? string.Empty, Transport = Name, AcceptedRecipients = [envelope.Recipients[0].Address] });
        }
    }
}
