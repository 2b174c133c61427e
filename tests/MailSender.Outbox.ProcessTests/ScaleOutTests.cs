using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using MailSender.Outbox.Tests.PostgreSql;
using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using Xunit.Abstractions;

namespace MailSender.Outbox.ProcessTests;

/// <summary>
/// Several machines on one PostgreSQL outbox: three `mailsender worker` processes share 10,000 messages and a limit of
/// 200 messages per second counted in the database. Each message arrives exactly once, every process does work, and the
/// limit holds for all of them together.
/// </summary>
[Trait("Category", "Process")]
public sealed class ScaleOutTests(ITestOutputHelper output)
{
    private const int Messages = 10_000;
    private const int Workers = 3;
    private const int Rate = 200;

    [SkippableFact]
    public async Task ThreeWorkers_ShareOneOutbox_EachMessageOnce_WithinTheSharedRate()
    {
        var server = PostgresServer.Require();
        await using var schema = await server.CreateSchemaAsync();
        var receivedAt = new ConcurrentQueue<(string Seq, long Ticks)>();
        var clock = Stopwatch.StartNew();
        await using var smtp = ScriptedSmtpServer.Start(new SmtpScript
        {
            Intercept = (exchange, _) =>
            {
                if (exchange.Command == ".")
                {
                    receivedAt.Enqueue((string.Empty, clock.ElapsedTicks));
                }

                return Task.FromResult<string?>(null);
            },
        });

        await EnqueueAsync(schema.Store);
        var started = clock.Elapsed;
        var workers = Enumerable.Range(0, Workers)
            .Select(_ => WorkerProcess.Start("worker", "--outbox", schema.Store, "--transport", $"smtp://127.0.0.1:{smtp.Port}?security=none", "--concurrency", "16", "--rate", Rate.ToString(System.Globalization.CultureInfo.InvariantCulture), "--exit-when-empty", "--json"))
            .ToList();
        try
        {
            foreach (var worker in workers)
            {
                Assert.Equal(0, await worker.WaitForExitAsync(TimeSpan.FromMinutes(3)));
            }

            var elapsed = clock.Elapsed - started;
            var sentBy = workers.Select(w => JsonDocument.Parse(w.Output.Trim().Split('\n')[^1]).RootElement.GetProperty("sent").GetInt64()).ToArray();
            var arrivals = smtp.Transactions.Select(t => t.Parse().Headers["X-Seq"]).ToList();
            var duplicates = arrivals.GroupBy(a => a).Count(g => g.Count() > 1);
            var times = receivedAt.Select(r => r.Ticks / (double)Stopwatch.Frequency).Order().ToArray();
            var span = times[^1] - times[0];
            var overall = (times.Length - 1) / span;
            var perSecond = times.GroupBy(t => (int)(t - times[0])).Select(g => g.Count()).ToArray();
            output.WriteLine($"{arrivals.Count} received in {elapsed.TotalSeconds:0.0} s by workers sending {string.Join(", ", sentBy)}; duplicates {duplicates}; " +
                $"rate {overall:0.0}/s from first to last receipt; per second: max {perSecond.Max()}, median {perSecond.Order().ElementAt(perSecond.Length / 2)}, min {perSecond.Min()} (windows {perSecond.Length})");

            await using var provider = Services(schema.Store);
            var statistics = await provider.GetRequiredService<IEmailOutbox>().GetStatisticsAsync();
            Assert.Equal(Messages, statistics.Counts[OutboxState.Sent]);
            Assert.Equal(Messages, arrivals.Count);
            Assert.Equal(0, duplicates);
            Assert.Equal(Messages, arrivals.Distinct().Count());
            Assert.Equal(Messages, sentBy.Sum());
            Assert.All(sentBy, n => Assert.True(n > 0, $"A worker sent nothing: {string.Join(", ", sentBy)}"));
            Assert.InRange(overall, Rate * 0.9, Rate * 1.1);
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Dispose();
            }
        }
    }

    private static async Task EnqueueAsync(string store)
    {
        await using var provider = Services(store);
        var outbox = provider.GetRequiredService<IEmailOutbox>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Messages), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
        {
            var seq = i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture);
            var message = TestMessages.WithSubject(seq);
            message.Headers.Add("X-Seq", seq);
            await outbox.EnqueueAsync(message, cancellationToken: token);
        });
    }

    private static ServiceProvider Services(string store)
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.Transport = "pickup:unused").AddOutbox(o =>
        {
            o.Store = store;
            o.RunWorker = false;
        }).AddPostgreSql();
        return services.BuildServiceProvider();
    }
}
