using System.Diagnostics;
using System.Globalization;
using MailSender.Benchmarks.Throughput;
using MailSender.Benchmarks.Throughput.Peers;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailSender.Benchmarks.Bulk;

/// <summary>
/// <c>bulk [--messages N] [--rounds R] [--concurrency C]</c> (issue 16): N messages to a local smtp-sink through
/// <c>SendBulkAsync</c>, against the same messages sent by a hand-written <c>Task.WhenAll</c> over
/// <see cref="IEmailSender"/>, in alternating rounds on the same sender. Reports messages per second and the peak
/// managed heap of each (sampled every 5 ms), so the ratio is within one run on one machine.
/// </summary>
internal static class BulkCommand
{
    public const string Name = "bulk";

    public static async Task<int> RunAsync(string[] args)
    {
        var messages = Option(args, "--messages", 10_000);
        var rounds = Option(args, "--rounds", 3);
        var concurrency = Option(args, "--concurrency", 8);
        if (!LocalSink.IsAvailable)
        {
            await Console.Error.WriteLineAsync($"bulk: {LocalSink.SmtpSinkPath} is not installed (run scripts/bench/install.sh as root).");
            return 2;
        }

        using var sink = await LocalSink.StartAsync(tls: false, CancellationToken.None);
        var services = new ServiceCollection();
        services.AddMailSender(o =>
        {
            o.Transport = $"smtp://{sink.Target.Address}?security=none&maxConnections={concurrency}";
            o.DefaultFrom = "bench@example.com";
        });
        await using var provider = services.BuildServiceProvider();
        var sender = provider.GetRequiredService<IEmailSender>();

        // Warm-up: connections open, JIT done.
        await foreach (var _ in sender.SendBulkAsync(Generate(200), new BulkSendOptions { MaxConcurrency = concurrency }))
        {
        }

        Console.WriteLine($"bulk: {messages:N0} messages to {sink.Description}, {concurrency} connections, {rounds} rounds each");
        Console.WriteLine("| round | way | msg/s | peak managed heap (MB) | failed |");
        Console.WriteLine("| ---: | --- | ---: | ---: | ---: |");
        for (var round = 1; round <= rounds; round++)
        {
            var bulk = await MeasureAsync(async () =>
            {
                var failed = 0;
                await foreach (var result in sender.SendBulkAsync(Generate(messages), new BulkSendOptions { MaxConcurrency = concurrency }))
                {
                    failed += result.State == BulkSendState.Sent ? 0 : 1;
                }

                return failed;
            });
            Print(round, "SendBulkAsync", messages, bulk);

            var whenAll = await MeasureAsync(async () =>
            {
                // What an application writes by hand: every message built, every send started, then awaited.
                var all = new List<MimeMessage>(messages);
                await foreach (var message in Generate(messages))
                {
                    all.Add(message);
                }

                var tasks = all.Select(m => sender.SendAsync(m)).ToArray();
                var failed = 0;
                foreach (var task in tasks)
                {
                    try
                    {
                        await task;
                    }
                    catch (EmailSendException)
                    {
                        failed++;
                    }
                }

                return failed;
            });
            Print(round, "Task.WhenAll", messages, whenAll);
        }

        return 0;
    }

    private static void Print(int round, string way, int messages, (TimeSpan Elapsed, long PeakBytes, int Failed) m) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {round} | {way} | {messages / m.Elapsed.TotalSeconds:F0} | {m.PeakBytes / 1048576.0:F1} | {m.Failed} |"));

    private static async Task<(TimeSpan Elapsed, long PeakBytes, int Failed)> MeasureAsync(Func<Task<int>> run)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var peak = GC.GetTotalMemory(forceFullCollection: false);
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                try
                {
                    await Task.Delay(5, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
        var clock = Stopwatch.StartNew();
        var failed = await run();
        clock.Stop();
        await stop.CancelAsync();
        await sampler;
        return (clock.Elapsed, peak, failed);
    }

    private static async IAsyncEnumerable<MimeMessage> Generate(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var message = new MimeMessage();
            message.To.Add(new MailboxAddress($"Reader {i}", $"reader{i}@example.org"));
            message.Subject = $"This week's news ({i})";
            message.Body = new BodyBuilder
            {
                TextBody = "Hello, here is this week's news. " + new string('x', 2000),
                HtmlBody = "<p>Hello, here is this week's news.</p><p>" + new string('x', 2000) + "</p>",
            }.ToMessageBody();
            yield return message;
            if (i % 256 == 0)
            {
                await Task.Yield();
            }
        }
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
