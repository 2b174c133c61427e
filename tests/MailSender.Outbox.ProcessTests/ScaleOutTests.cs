using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MailSender.Outbox.Tests.PostgreSql;
using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace MailSender.Outbox.ProcessTests;

/// <summary>
/// Several machines on one PostgreSQL outbox (issue 13, "Multi-instance"): three <c>mailsender worker</c> processes share
/// 10,000 messages and a limit of 200 messages per second counted in the database. Each message arrives exactly once,
/// every process does work, and the limit holds for all of them together. Skipped without PostgreSQL, failed under CI=true.
/// </summary>
[Trait("Category", "Process")]
public sealed class ScaleOutTests(ITestOutputHelper output)
{
    private const int Messages = 10_000;
    private const int Workers = 3;
    private const int Rate = 200;
    private const int Concurrency = 16;

    [SkippableFact]
    public async Task ThreeWorkers_OnOnePostgreSqlOutbox_DeliverEachMessageOnce_WithinTheSharedRate()
    {
        WorkerProcess.Require();
        var postgres = PostgresServer.Require();
        await using var schema = await postgres.CreateSchemaAsync();

        // The server notes when each message's final dot arrived (before it answers).
        var receipts = new ConcurrentQueue<long>();
        await using var smtp = ScriptedSmtpServer.Start(new SmtpScript
        {
            Intercept = (exchange, _) =>
            {
                if (exchange.Verb == ".")
                {
                    receipts.Enqueue(Stopwatch.GetTimestamp());
                }

                return Task.FromResult<string?>(null);
            },
        });

        var clock = Stopwatch.StartNew();
        await EnqueueAsync(schema.Store, smtp.Port);
        var enqueued = clock.Elapsed;

        // The store (with its password) goes in MAILSENDER_OUTBOX rather than on the command line; --rate sets
        // OutboxOptions.RateLimit.MessagesPerSecond, the limit counted in the database for every worker together.
        var environment = new Dictionary<string, string> { ["MAILSENDER_OUTBOX"] = schema.Store };
        string[] arguments = ["worker", "--transport", $"smtp://127.0.0.1:{smtp.Port}?security=none", "--concurrency", Concurrency.ToString(CultureInfo.InvariantCulture), "--rate", Rate.ToString(CultureInfo.InvariantCulture), "--exit-when-empty", "--json"];
        var workers = new List<WorkerProcess>();
        try
        {
            for (var i = 0; i < Workers; i++)
            {
                workers.Add(WorkerProcess.Start(arguments, environment));
            }

            foreach (var worker in workers)
            {
                Assert.True(await worker.WaitForExitAsync(TimeSpan.FromMinutes(3)) == 0, worker.ToString());
            }

            var ran = clock.Elapsed - enqueued;
            var sentBy = workers.Select(w => JsonDocument.Parse(w.Output.Trim().Split('\n')[^1]).RootElement.GetProperty("sent").GetInt64()).ToArray();

            // Arrivals: exactly once each.
            var arrivals = smtp.Transactions.Select(t => t.Parse().Headers["X-Seq"] ?? "(none)").ToList();
            var duplicates = arrivals.GroupBy(a => a, StringComparer.Ordinal).Count(g => g.Count() > 1);

            // The rate: overall from the first to the last receipt, in whole seconds from the first (the last, partial one
            // left out), and in the busiest 1-second window anywhere (sliding).
            var firstReceipt = receipts.Min();
            var times = receipts.Select(t => (t - firstReceipt) / (double)Stopwatch.Frequency).Order().ToArray();
            var span = times[^1];
            var overall = Messages / span;
            var perSecond = times.GroupBy(t => (int)t).Where(g => g.Key < (int)span).Select(g => g.Count()).Order().ToArray();
            var busiest = 0;
            var busiestAt = 0.0;
            for (int first = 0, last = 0; first < times.Length; first++)
            {
                while (last < times.Length && times[last] < times[first] + 1)
                {
                    last++;
                }

                if (last - first > busiest)
                {
                    busiestAt = times[first];
                }

                busiest = Math.Max(busiest, last - first);
            }

            int At(double quantile) => perSecond[(int)Math.Min(perSecond.Length - 1, quantile * perSecond.Length)];
            output.WriteLine(
                $"{arrivals.Count} received ({duplicates} duplicates) in {ran.TotalSeconds:0.0} s after an enqueue of {enqueued.TotalSeconds:0.0} s; " +
                $"workers sent {string.Join(" + ", sentBy)} over {smtp.ConnectionCount} connections; " +
                $"{overall:0.0} msg/s from the first receipt to the last ({span:0.0} s); " +
                $"whole seconds ({perSecond.Length}): min {perSecond[0]}, 10% {At(0.1)}, median {At(0.5)}, 90% {At(0.9)}, max {perSecond[^1]}; busiest sliding second {busiest}");
            output.WriteLine($"busiest sliding second from {busiestAt:0.00} s; its 100 ms bins: " + string.Join(" ", Enumerable.Range(0, 10).Select(k => times.Count(t => t >= busiestAt + (k / 10.0) && t < busiestAt + ((k + 1) / 10.0)))));
            for (var i = 0; i < workers.Count; i++)
            {
                var warnings = workers[i].Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(line => Regex.Replace(line, "[0-9a-f]{8}-[0-9a-f-]{27}", "ID"))
                    .GroupBy(line => line, StringComparer.Ordinal)
                    .Select(g => $"{g.Count()} x {g.Key}");
                output.WriteLine($"worker {i + 1}: sent {sentBy[i]}; warnings: {string.Join(" | ", warnings.DefaultIfEmpty("none"))}");
            }

            output.WriteLine("per second: " + string.Join(" ", times.GroupBy(t => (int)t).Select(g => g.Count())));

            await using var provider = Services(schema.Store, smtp.Port);
            var statistics = await provider.GetRequiredService<IEmailOutbox>().GetStatisticsAsync();
            Assert.Equal(Messages, statistics.Counts[OutboxState.Sent]);
            Assert.Equal(Messages, arrivals.Count);
            Assert.Equal(0, duplicates);
            Assert.Equal(Messages, arrivals.Distinct(StringComparer.Ordinal).Count());
            Assert.Equal(Messages, sentBy.Sum());
            Assert.True(sentBy.All(n => n > 0), $"A worker sent nothing: {string.Join(", ", sentBy)}");
            Assert.True(overall <= Rate * 1.1, $"{overall:0.0} msg/s overall: over {Rate} + 10 %");

            // Not a promise of the limit, a sanity check: a limiter that lets far fewer through is broken too (a loaded
            // machine can lose some of the 100 ms windows, hence the margin).
            Assert.True(overall >= Rate * 0.75, $"{overall:0.0} msg/s overall: far below the limit of {Rate}");
            Assert.True(perSecond[^1] <= Rate * 1.5, $"{perSecond[^1]} messages in one second: over 1.5 x {Rate}");

            // Permits are taken when messages are claimed, and a worker holds up to 2 x --concurrency claimed messages
            // while they wait for a send slot (or for the first connection), so after any stall those go out together:
            // a second starting anywhere may hold the limit's 1.1 s worth of 100 ms windows plus what the workers held.
            Assert.True(busiest <= (Rate * 1.1) + (Workers * 2 * Concurrency), $"{busiest} messages in one second: over {Rate} x 1.1 + the {Workers * 2 * Concurrency} the workers may hold");
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Dispose();
            }
        }
    }

    private static async Task EnqueueAsync(string store, int port)
    {
        await using var provider = Services(store, port);
        var outbox = provider.GetRequiredService<IEmailOutbox>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Messages), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
        {
            var seq = i.ToString("D5", CultureInfo.InvariantCulture);
            var message = TestMessages.WithSubject(seq);
            message.Headers.Add("X-Seq", seq);
            await outbox.EnqueueAsync(message, cancellationToken: token);
        });
    }

    /// <summary>The outbox in this process, to enqueue and to read the outcome; it runs no worker.</summary>
    private static ServiceProvider Services(string store, int port)
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.Transport = $"smtp://127.0.0.1:{port}?security=none").AddOutbox(o =>
        {
            o.Store = store;
            o.RunWorker = false;
        }).AddPostgreSql();
        return services.BuildServiceProvider();
    }
}
