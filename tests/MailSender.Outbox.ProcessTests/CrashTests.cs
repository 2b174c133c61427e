using System.Collections.Concurrent;
using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Xunit;
using Xunit.Abstractions;

namespace MailSender.Outbox.ProcessTests;

/// <summary>
/// The outbox's promise under crashes: worker processes killed with SIGKILL at random moments (also while a message is
/// being written and between the final dot and its reply) and restarted, against a server that records every message it
/// accepted. At the end every message is sent, failed with a reason, or uncertain; none arrived twice; none arrived while
/// reported failed; and the arrivals are the sent messages plus at most the uncertain ones.
/// </summary>
[Trait("Category", "Process")]
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Messages = 2000;
    private const int Kills = 20;
    private readonly string _folder = Directory.CreateTempSubdirectory("mailsender-crash-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task KilledWorkers_NeverLoseOrDuplicateAMessage()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var store = "sqlite:" + Path.Combine(_folder, "outbox.db");

        // Replies to the end of data come 0-4 ms late, so that kills often land between a message's dot and its 250.
        var arrivals = new ConcurrentDictionary<string, int>();
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"],
            Intercept = async (exchange, token) =>
            {
                if (exchange.Command == ".")
                {
                    await Task.Delay(Random.Shared.Next(0, 5), token);
                }

                return null;
            },
        });

        var ids = await EnqueueAsync(store);
        var killedAfter = new List<int>();
        for (var i = 0; i < Kills; i++)
        {
            using var worker = WorkerProcess.Start("worker", "--outbox", store, "--transport", $"smtp://127.0.0.1:{server.Port}?security=none", "--concurrency", "8", "--lease", "3s");
            var delay = random.Next(100, 1500);
            await Task.Delay(delay);
            worker.Kill();
            killedAfter.Add(delay);
        }

        // The last one runs until nothing is due or held; the dead workers' leases end after 3 s.
        using (var last = WorkerProcess.Start("worker", "--outbox", store, "--transport", $"smtp://127.0.0.1:{server.Port}?security=none", "--concurrency", "8", "--lease", "3s", "--exit-when-empty"))
        {
            Assert.Equal(0, await last.WaitForExitAsync(TimeSpan.FromMinutes(3)));
            output.WriteLine("last worker: " + last.Output.Trim());
        }

        foreach (var transaction in server.Transactions)
        {
            var seq = transaction.Parse().Headers["X-Seq"];
            arrivals.AddOrUpdate(seq, 1, (_, n) => n + 1);
        }

        await using var provider = Services(store);
        var outbox = provider.GetRequiredService<IEmailOutbox>();
        var messages = await outbox.ListAsync(limit: 10_000);
        var statistics = await outbox.GetStatisticsAsync();
        var bySeq = messages.ToDictionary(m => m.Subject!, m => m);
        var sent = messages.Count(m => m.State == OutboxState.Sent);
        var uncertain = messages.Count(m => m.State == OutboxState.Uncertain);
        var failed = messages.Where(m => m.State == OutboxState.Failed).ToList();
        var duplicates = arrivals.Where(a => a.Value > 1).Select(a => a.Key).ToList();
        output.WriteLine($"kills {Kills} after {string.Join(",", killedAfter)} ms; sent {sent}, uncertain {uncertain}, failed {failed.Count}, received {arrivals.Count}, duplicates {duplicates.Count}, connections {server.ConnectionCount}");

        Assert.Equal(Messages, ids.Count);
        Assert.Equal(Messages, messages.Count);
        Assert.Equal(0, statistics.Counts[OutboxState.Queued] + statistics.Counts[OutboxState.Sending] + statistics.Counts[OutboxState.Deferred]);
        Assert.Empty(duplicates);
        Assert.All(failed, m => Assert.False(string.IsNullOrEmpty(m.LastError), $"{m.Subject} failed without a reason"));
        Assert.All(failed, m => Assert.False(arrivals.ContainsKey(m.Subject!), $"{m.Subject} arrived but is reported failed"));
        Assert.All(messages.Where(m => m.State == OutboxState.Sent), m => Assert.True(arrivals.ContainsKey(m.Subject!), $"{m.Subject} is reported sent but never arrived"));
        Assert.All(arrivals.Keys, seq => Assert.Contains(bySeq[seq].State, new[] { OutboxState.Sent, OutboxState.Uncertain }));
        Assert.InRange(arrivals.Count, sent, sent + uncertain);
    }

    private static async Task<List<Guid>> EnqueueAsync(string store)
    {
        await using var provider = Services(store);
        var outbox = provider.GetRequiredService<IEmailOutbox>();
        var ids = new ConcurrentBag<Guid>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Messages), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
        {
            var seq = i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture);
            var message = TestMessages.WithSubject(seq, $"r{i % 50}@example.com");
            message.Headers.Add("X-Seq", seq);
            ids.Add(await outbox.EnqueueAsync(message, cancellationToken: token));
        });
        return [.. ids];
    }

    private static ServiceProvider Services(string store)
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.Transport = "pickup:unused").AddOutbox(o =>
        {
            o.Store = store;
            o.RunWorker = false;
        });
        return services.BuildServiceProvider();
    }
}
