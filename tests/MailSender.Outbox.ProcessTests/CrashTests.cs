using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace MailSender.Outbox.ProcessTests;

/// <summary>
/// The outbox's promise under crashes (issue 13, "Crash test"): <c>mailsender worker</c> processes killed with SIGKILL at
/// random moments - also while a message is in DATA and between its final dot and the reply - and restarted, against a
/// server that records every message it accepted. At the end every message is sent, failed with a reason, or uncertain;
/// none arrived twice; none arrived while reported failed; and the arrivals are the sent messages plus at most the
/// uncertain ones.
/// </summary>
[Trait("Category", "Process")]
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Messages = 2000;
    private const int Kills = 20;
    private const int Concurrency = 8;

    /// <summary>Short, so that a restarted worker takes over the dead one's messages 3 s later (the CLI allows 2 s at least).</summary>
    private const string Lease = "3s";

    /// <summary>Set to the seed a run printed to repeat its kill moments.</summary>
    private const string SeedVariable = "MAILSENDER_CRASH_SEED";

    private const int Idle = 0;
    private const int InData = 1;
    private const int AfterDot = 2;

    private readonly string _folder = Directory.CreateTempSubdirectory("mailsender-crash-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [SkippableFact]
    public async Task KilledWorkers_NeverLoseNorDuplicate_EveryMessageSentFailedOrUncertain()
    {
        WorkerProcess.Require();
        var seed = int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), CultureInfo.InvariantCulture, out var given) ? given : Random.Shared.Next();
        output.WriteLine($"seed {seed} (set {SeedVariable}={seed} to repeat the kill moments)");
        var random = new Random(seed);
        var store = "sqlite:" + Path.Combine(_folder, "outbox.db");
        var clock = Stopwatch.StartNew();

        // A server slow enough that kills land mid-send: the 354 to DATA comes 0-15 ms late and the reply to the final dot
        // 10-50 ms late (the message is recorded as received before that wait, as a real server has queued it before it
        // answers), so at any moment most of the 8 connections are in DATA or between a dot and its 250.
        var phases = new ConcurrentDictionary<int, int>();
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Intercept = async (exchange, token) =>
            {
                switch (exchange.Verb)
                {
                    case "DATA":
                        phases[exchange.Connection] = InData;
                        await Task.Delay(Random.Shared.Next(0, 16), token);
                        break;
                    case ".":
                        phases[exchange.Connection] = AfterDot;
                        await Task.Delay(Random.Shared.Next(10, 51), token);
                        phases[exchange.Connection] = Idle;
                        break;
                }

                return null;
            },
        });

        // maxConnections: the pool's default (5) would leave 3 of the 8 sends waiting for a connection.
        string[] Worker(params string[] extra) =>
            ["worker", "--outbox", store, "--transport", $"smtp://127.0.0.1:{server.Port}?security=none&maxConnections={Concurrency}", "--concurrency", Concurrency.ToString(CultureInfo.InvariantCulture), "--lease", Lease, .. extra];

        await EnqueueAsync(store, server.Port);
        var enqueued = clock.Elapsed;

        // 20 runs, each SIGKILLed after 100-1500 ms; before each kill, note what the open connections were doing.
        var kills = new List<string>();
        var warnings = new List<string>();
        var (killsInData, killsAfterDot) = (0, 0);
        for (var i = 0; i < Kills; i++)
        {
            using var worker = WorkerProcess.Start(Worker());
            var delay = random.Next(100, 1501);
            await Task.Delay(delay);
            var open = server.Connections.Where(c => !c.Closed).Select(c => c.Number).ToHashSet();
            var inData = open.Count(n => phases.TryGetValue(n, out var phase) && phase == InData);
            var afterDot = open.Count(n => phases.TryGetValue(n, out var phase) && phase == AfterDot);
            var received = server.Transactions.Count;
            worker.Kill();
            killsInData += inData > 0 ? 1 : 0;
            killsAfterDot += afterDot > 0 ? 1 : 0;
            kills.Add($"{delay} ms ({inData} in DATA, {afterDot} after the dot, {received} received)");
            warnings.AddRange(worker.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        var killed = clock.Elapsed;

        // The last run delivers what is left: the dead workers' messages once their 3 s leases end.
        using (var last = WorkerProcess.Start(Worker("--exit-when-empty")))
        {
            Assert.True(await last.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, last.ToString());
            output.WriteLine($"last worker: {last.Output.Trim()}");

            // Its warnings by kind (the outbox id and the store's path taken out), most frequent first.
            var kinds = last.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => Regex.Replace(line.Replace(store, "STORE", StringComparison.Ordinal), "[0-9a-f]{8}-[0-9a-f-]{27}", "ID"))
                .GroupBy(line => line, StringComparer.Ordinal).OrderByDescending(g => g.Count());
            foreach (var kind in kinds)
            {
                output.WriteLine($"last worker's warning x{kind.Count()}: {kind.Key}");
            }
        }

        var drained = clock.Elapsed;
        output.WriteLine("kills after " + string.Join("; ", kills));
        output.WriteLine($"the killed workers wrote {warnings.Count} warning lines{(warnings.Count > 0 ? ", e.g. " + string.Join(" | ", warnings.Distinct().Take(3)) : string.Empty)}");

        // What the server accepted, by X-Seq and by Message-Id.
        var arrivals = server.Transactions.Select(t => t.Parse()).Select(m => (Seq: m.Headers["X-Seq"] ?? "(none)", MessageId: m.MessageId ?? "(none)")).ToList();
        var bySeq = arrivals.GroupBy(a => a.Seq).ToDictionary(g => g.Key, g => g.Count());
        var duplicates = bySeq.Where(a => a.Value > 1).Select(a => a.Key).Order(StringComparer.Ordinal).ToList();
        var duplicateIds = arrivals.GroupBy(a => a.MessageId).Count(g => g.Count() > 1);

        // What the outbox says.
        await using var provider = Services(store, server.Port);
        var outbox = provider.GetRequiredService<IEmailOutbox>();
        var messages = await outbox.ListAsync(limit: 10_000);
        var statistics = await outbox.GetStatisticsAsync();
        var inStore = messages.ToDictionary(m => m.Subject!, StringComparer.Ordinal);
        var sent = messages.Where(m => m.State == OutboxState.Sent).Select(m => m.Subject!).ToHashSet(StringComparer.Ordinal);
        var uncertain = messages.Where(m => m.State == OutboxState.Uncertain).Select(m => m.Subject!).ToHashSet(StringComparer.Ordinal);
        var failed = messages.Where(m => m.State == OutboxState.Failed).ToList();
        var receivedUncertain = uncertain.Count(bySeq.ContainsKey);
        output.WriteLine(
            $"kills {Kills} ({killsInData} with a message in DATA, {killsAfterDot} with one between its dot and the reply); " +
            $"sent {sent.Count}, uncertain {uncertain.Count} ({receivedUncertain} of them received), failed {failed.Count}, " +
            $"received {arrivals.Count} ({bySeq.Count} distinct), duplicates {duplicates.Count} by X-Seq / {duplicateIds} by Message-Id; " +
            $"{server.ConnectionCount} connections; enqueue {enqueued.TotalSeconds:0.0} s, kills {(killed - enqueued).TotalSeconds:0.0} s, " +
            $"last run {(drained - killed).TotalSeconds:0.0} s");
        foreach (var message in failed.Take(5))
        {
            output.WriteLine($"failed {message.Subject}: {message.LastError}");
        }

        Assert.Equal(Messages, messages.Count);
        Assert.Equal(0, statistics.Counts[OutboxState.Queued] + statistics.Counts[OutboxState.Sending] + statistics.Counts[OutboxState.Deferred] + statistics.Counts[OutboxState.Cancelled]);
        Assert.Equal(Messages, sent.Count + uncertain.Count + failed.Count);
        Assert.True(duplicates.Count == 0, "Received twice: " + string.Join(", ", duplicates.Take(20)));
        Assert.Equal(0, duplicateIds);
        Assert.All(bySeq.Keys, seq => Assert.True(inStore.ContainsKey(seq), $"{seq} arrived but is not in the outbox"));
        Assert.All(failed, m => Assert.False(string.IsNullOrWhiteSpace(m.LastError), $"{m.Subject} failed without a reason"));
        Assert.All(failed, m => Assert.False(bySeq.ContainsKey(m.Subject!), $"{m.Subject} arrived but is reported failed: {m.LastError}"));
        Assert.All(sent, seq => Assert.True(bySeq.ContainsKey(seq), $"{seq} is reported sent but never arrived"));
        Assert.All(bySeq.Keys.Where(seq => !sent.Contains(seq)), seq => Assert.True(uncertain.Contains(seq), $"{seq} arrived but is {inStore[seq].State}, not sent or uncertain"));
        Assert.InRange(arrivals.Count, sent.Count, sent.Count + uncertain.Count);
        Assert.All(uncertain.Select(seq => inStore[seq]), m => Assert.False(string.IsNullOrWhiteSpace(m.LastError), $"{m.Subject} is uncertain without a reason"));

        // The test did what it claims: kills landed while messages were in DATA and between a dot and its reply.
        Assert.True(killsInData > 0 && killsAfterDot > 0, $"No kill landed mid-send (in DATA: {killsInData}, after the dot: {killsAfterDot}); the seed was {seed}.");
    }

    private static async Task EnqueueAsync(string store, int port)
    {
        await using var provider = Services(store, port);
        var outbox = provider.GetRequiredService<IEmailOutbox>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Messages), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
        {
            var seq = i.ToString("D5", CultureInfo.InvariantCulture);
            var message = TestMessages.WithSubject(seq, $"r{i % 50}@example.com");
            message.MessageId = $"crash-{seq}@process.test";
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
        });
        return services.BuildServiceProvider();
    }
}
