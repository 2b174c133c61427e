using System.Globalization;
using System.Runtime.InteropServices;
using MailSender.Benchmarks.Throughput;
using MailSender.Benchmarks.Throughput.Peers;

namespace MailSender.Benchmarks.Outbox;

/// <summary>
/// <c>outbox</c>: what the durable outbox of issue 13 costs. Enqueue rate with 1 and 8 producers per store (SQLite, and
/// PostgreSQL when one is configured), and end-to-end delivery to smtp-sink through the outbox against direct pooled
/// sending, in one run.
/// </summary>
/// <remarks>
/// Every scenario runs once cold (reported as "first round"), then <c>--rounds</c> times, the scenarios interleaved so
/// a noisy neighbour hurts all of them alike; medians and the spread of the timed rounds are reported, and end-to-end
/// ratios are computed round by round against the direct run of the same round.
/// </remarks>
internal static class OutboxCommand
{
    public const string Name = "outbox";

    // Issue 13's targets.
    private const double SqliteEnqueueTarget = 5000;
    private const double PostgresEnqueueTarget = 3000;
    private const double EndToEndTarget = 0.7;

    public static async Task<int> RunAsync(string[] args)
    {
        OutboxBenchmarkOptions options;
        try
        {
            options = OutboxBenchmarkOptions.Parse(args);
        }
        catch (FormatException ex)
        {
            await Console.Error.WriteLineAsync($"outbox: {ex.Message}{Environment.NewLine}{OutboxBenchmarkOptions.Usage}");
            return 2;
        }

        using var cancellation = new CancellationTokenSource();

        // Ctrl+C or kill: cancel and unwind, so smtp-sink, the SQLite files and the PostgreSQL schemas are removed.
        void Cancel(PosixSignalContext signal)
        {
            signal.Cancel = true;
            cancellation.Cancel();
        }

        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);

        if (!LocalSink.IsAvailable)
        {
            await Console.Error.WriteLineAsync($"outbox: {LocalSink.SmtpSinkPath} is not installed (run scripts/bench/install.sh as root).");
            return 2;
        }

        LocalSink? sink = null;
        SqliteBenchmarkStore? sqlite = null;
        try
        {
            sink = await LocalSink.StartAsync(tls: false, cancellation.Token);
            Progress($"started {sink.Description}");
            sqlite = new SqliteBenchmarkStore(options.SqliteDirectory);
            var stores = new List<BenchmarkStore> { sqlite };
            if (await PostgresAsync(options, cancellation.Token) is { } postgres)
            {
                stores.Add(postgres);
            }

            foreach (var store in stores)
            {
                Progress(store.Description);
            }

            var messages = new MessageFactory(options.Size);
            var scenarios = new OutboxScenarios(options, messages, sink.Target);
            Progress($"message size {options.Size} bytes requested, {messages.WireSize} as MimeKit writes it; {options.Messages} messages per enqueue run "
                + $"(at most {options.MaxDuration.TotalSeconds:0} s), {options.MessagesEndToEnd} per end-to-end run; concurrency {options.Concurrency}; "
                + $"a first (cold) round, then {options.Rounds} timed rounds; transport {scenarios.TransportUri}");
            Progress($"load average at start: {LoadAverage()}");

            var rows = Rows(options, stores, scenarios);
            var failures = await MeasureAsync(rows, options, cancellation.Token);
            Progress($"load average at end: {LoadAverage()}");

            if (sink.ReceivedMessages() is { } received)
            {
                Progress($"smtp-sink counted {received} messages; the end-to-end runs reported {scenarios.Delivered} delivered.");
            }

            var results = OutboxReport.Summarise(rows);
            var tables = OutboxReport.ToTables(results);
            var json = OutboxReport.ToJson(results);
            if (options.Json)
            {
                Console.WriteLine(json);
                await Console.Error.WriteLineAsync(tables);
            }
            else
            {
                Console.WriteLine(tables);
                Console.WriteLine(json);
            }

            return failures == 0 ? 0 : 1;
        }
        catch (Exception) when (cancellation.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("outbox: cancelled.");
            return 130;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"outbox: {Describe(ex)}");
            return 1;
        }
        finally
        {
            sink?.Dispose();
            sqlite?.RemoveFolder();
        }
    }

    private static void Progress(string line) => Console.Error.WriteLine("outbox: " + line);

    /// <summary>The PostgreSQL store, or <see langword="null"/> (with a note) when none is configured or, found only in the environment, it does not answer.</summary>
    private static async Task<PostgresBenchmarkStore?> PostgresAsync(OutboxBenchmarkOptions options, CancellationToken cancellationToken)
    {
        if (options.NoPostgres)
        {
            Progress("postgres: skipped (--no-postgres).");
            return null;
        }

        if (PostgresBenchmarkStore.FindConnectionString(options.PostgresConnectionString) is not { } connectionString)
        {
            Progress("postgres: skipped, no --postgres, no MAILSENDER_POSTGRES_SCRATCH and no postgres.env (sudo scripts/postgres/start.sh writes one).");
            return null;
        }

        try
        {
            return await PostgresBenchmarkStore.OpenAsync(connectionString, cancellationToken);
        }
        catch (Exception ex) when (options.PostgresConnectionString is null && !cancellationToken.IsCancellationRequested)
        {
            Progress($"postgres: skipped, the server from the environment does not answer: {Describe(ex)}");
            return null;
        }
    }

    private static List<OutboxRow> Rows(OutboxBenchmarkOptions options, List<BenchmarkStore> stores, OutboxScenarios scenarios)
    {
        var rows = new List<OutboxRow>();
        foreach (var store in options.Only is null or "enqueue" ? stores : [])
        {
            foreach (var producers in options.Producers)
            {
                rows.Add(new OutboxRow("enqueue", "enqueue", store.Name, producers, ct => scenarios.EnqueueAsync(store, producers, ct))
                {
                    Target = producers == 8 ? store.Name == "sqlite" ? SqliteEnqueueTarget : PostgresEnqueueTarget : null,
                });
            }
        }

        if (options.Only == "enqueue")
        {
            return rows;
        }

        rows.Add(new OutboxRow("end-to-end", "direct", Store: null, options.Concurrency, scenarios.DirectAsync));
        foreach (var store in stores)
        {
            rows.Add(new OutboxRow("end-to-end", "outbox", store.Name, options.Concurrency, ct => scenarios.ThroughOutboxAsync(store, drain: false, ct)) { Target = EndToEndTarget });
            rows.Add(new OutboxRow("end-to-end", "drain", store.Name, options.Concurrency, ct => scenarios.ThroughOutboxAsync(store, drain: true, ct)) { Target = EndToEndTarget });
        }

        return rows;
    }

    /// <summary>Runs every row once cold, then <c>--rounds</c> times, interleaved; returns how many runs failed.</summary>
    private static async Task<int> MeasureAsync(List<OutboxRow> rows, OutboxBenchmarkOptions options, CancellationToken cancellationToken)
    {
        var rounds = options.Rounds;
        var failures = 0;
        for (var round = 0; round <= rounds; round++)
        {
            var name = round == 0 ? "first" : string.Create(CultureInfo.InvariantCulture, $"{round}/{rounds}");
            var started = System.Diagnostics.Stopwatch.StartNew();
            foreach (var row in rows)
            {
                if (row.Failed)
                {
                    // A row that failed once is not tried again: it would most likely fail (or time out) the same way.
                    row.Rounds.Add(null);
                    continue;
                }

                try
                {
                    var measurement = await row.Run(cancellationToken);
                    if (round == 0)
                    {
                        row.First = measurement;
                    }
                    else
                    {
                        row.Rounds.Add(measurement);
                    }

                    Progress($"[{name}] {row.Label}: {measurement.MessagesPerSecond.ToString("N0", CultureInfo.InvariantCulture)} msg/s ({measurement.Messages} in {measurement.Elapsed.TotalSeconds:0.00} s)"
                        + $", {measurement.CpuMicrosecondsPerMessage.ToString("N0", CultureInfo.InvariantCulture)} us CPU/msg"
                        + (measurement.MachineCpuMicrosecondsPerMessage is { } machine ? $" ({machine.ToString("N0", CultureInfo.InvariantCulture)} on the machine)" : string.Empty)
                        + (measurement.PollShare is { } poll ? $", status polls {poll.ToString("P0", CultureInfo.InvariantCulture)} of the time" : string.Empty)
                        + (measurement.EnqueueMessagesPerSecond is { } enqueue ? $", enqueue phase {enqueue.ToString("N0", CultureInfo.InvariantCulture)} msg/s" : string.Empty));
                    if (row.Benchmark == "enqueue" && measurement.Messages < options.Messages)
                    {
                        Progress($"[{name}] {row.Label}: hit the --max-seconds limit; rated on the {measurement.Messages} messages stored.");
                    }
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    failures++;
                    row.Failed = true;
                    row.Failure = Describe(ex);
                    if (round > 0)
                    {
                        row.Rounds.Add(null);
                    }

                    Progress($"[{name}] {row.Label}: FAILED {Describe(ex)}");
                }
            }

            Progress($"[{name}] round took {started.Elapsed.TotalSeconds:0} s; load average {LoadAverage()}");
        }

        return failures;
    }

    /// <summary>The 1, 5 and 15 minute load averages (from /proc/loadavg), to say how busy the machine was.</summary>
    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string Describe(Exception exception) =>
        $"{exception.GetType().Name}: {exception.Message.Split('\n', 2)[0].Trim()}";
}
