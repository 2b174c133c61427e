using System.Diagnostics;
using System.Globalization;
using MailSender.Benchmarks.Throughput;
using MailSender.Benchmarks.Throughput.Modes;
using MailSender.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MailSender.Benchmarks.Outbox;

/// <summary>One timed run of a scenario.</summary>
/// <param name="Messages">Messages enqueued (enqueue runs) or delivered (end-to-end runs).</param>
/// <param name="Elapsed">Wall-clock time of the timed part.</param>
/// <param name="CpuTime">CPU time of this process meanwhile (all threads; a PostgreSQL server's own CPU is not in it).</param>
/// <param name="MachineCpuTime">CPU time of the whole machine meanwhile (all processes: this one, smtp-sink, PostgreSQL, and anyone else's).</param>
/// <param name="EnqueueElapsed">
/// End-to-end runs through the outbox: how long enqueueing all messages took (inside the timed part while the worker
/// delivers; before it, untimed, for the drain variant).
/// </param>
/// <param name="PollTime">End-to-end runs through the outbox: the time spent in the harness's <c>GetStatisticsAsync</c> polls (part of <see cref="Elapsed"/>, on another thread).</param>
internal sealed record OutboxMeasurement(int Messages, TimeSpan Elapsed, TimeSpan CpuTime, TimeSpan? MachineCpuTime, TimeSpan? EnqueueElapsed = null, TimeSpan? PollTime = null)
{
    public double MessagesPerSecond => Messages / Elapsed.TotalSeconds;

    public double CpuMicrosecondsPerMessage => CpuTime.TotalMicroseconds / Messages;

    public double? MachineCpuMicrosecondsPerMessage => MachineCpuTime is { } machine ? machine.TotalMicroseconds / Messages : null;

    /// <summary>Gets the share of the run's wall-clock time the harness's status polls took (one at a time, every 20 ms).</summary>
    public double? PollShare => PollTime is { } poll ? poll / Elapsed : null;

    public double? EnqueueMessagesPerSecond => EnqueueElapsed is { } enqueue ? Messages / enqueue.TotalSeconds : null;
}

/// <summary>
/// The scenarios of the <c>outbox</c> command, each from a fresh service provider (and a fresh, empty store), as an
/// application uses the library: <c>AddMailSender(smtp://...).AddOutbox(...)</c>, the worker run as the hosted service.
/// </summary>
internal sealed class OutboxScenarios(OutboxBenchmarkOptions options, MessageFactory messages, SmtpTarget target)
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(20);

    private long _delivered;

    /// <summary>Gets the transport every sender uses: the sink, a pool of <see cref="OutboxBenchmarkOptions.Concurrency"/> connections.</summary>
    public string TransportUri => MailSenderMode.BuildTransportUri(target, options.Concurrency, withPool: true);

    /// <summary>Gets how many messages the end-to-end runs reported delivered (to compare with smtp-sink's count).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>
    /// <paramref name="producers"/> concurrent loops of <see cref="IEmailOutbox.EnqueueAsync"/> (each message built anew),
    /// the worker not running: how fast messages are durably stored.
    /// </summary>
    public async Task<OutboxMeasurement> EnqueueAsync(BenchmarkStore kind, int producers, CancellationToken cancellationToken)
    {
        // Declared first, disposed last: the store is removed after the outbox that uses it is closed.
        await using var store = await kind.CreateAsync(cancellationToken);
        await using var provider = Build(store.Store, runWorker: false);
        var outbox = provider.GetRequiredService<IEmailOutbox>();

        // Opens the store and creates the schema, untimed.
        await outbox.GetStatisticsAsync(cancellationToken);
        CleanHeap();
        var (stored, elapsed, cpu, machine) = await TimeAsync(() => ProduceAsync(outbox, producers, options.Messages, options.MaxDuration, cancellationToken));

        var queued = (await outbox.GetStatisticsAsync(cancellationToken)).Counts[OutboxState.Queued];
        if (queued != stored)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{stored} enqueues returned but the store holds {queued} queued messages."));
        }

        return new OutboxMeasurement(stored, elapsed, cpu, machine);
    }

    /// <summary>The baseline: <see cref="OutboxBenchmarkOptions.Concurrency"/> callers of the pooled <see cref="IEmailSender"/>, N messages.</summary>
    public async Task<OutboxMeasurement> DirectAsync(CancellationToken cancellationToken)
    {
        await using var provider = Build(store: null, runWorker: false);
        var sender = provider.GetRequiredService<IEmailSender>();
        CleanHeap();
        var (sent, elapsed, cpu, machine) = await TimeAsync(() => RunLoopsAsync(
            options.Concurrency, options.MessagesEndToEnd, TimeSpan.MaxValue, () => sender.SendAsync(messages.CreateMimeMessage(), cancellationToken), cancellationToken));
        Interlocked.Add(ref _delivered, sent);
        return new OutboxMeasurement(sent, elapsed, cpu, machine);
    }

    /// <summary>
    /// Through the outbox, its worker running as the hosted service (concurrency <see cref="OutboxBenchmarkOptions.Concurrency"/>).
    /// <paramref name="drain"/> false: timed from the first enqueue (as many producers as the baseline has callers) until
    /// the store reports all N sent. True: the N messages are enqueued first (untimed), then the worker is started and
    /// timed until they are all sent.
    /// </summary>
    public async Task<OutboxMeasurement> ThroughOutboxAsync(BenchmarkStore kind, bool drain, CancellationToken cancellationToken)
    {
        await using var store = await kind.CreateAsync(cancellationToken);
        await using var provider = Build(store.Store, runWorker: true);
        var outbox = provider.GetRequiredService<IEmailOutbox>();
        var hosted = provider.GetServices<IHostedService>().ToList();
        var started = new List<IHostedService>();
        var count = options.MessagesEndToEnd;
        await outbox.GetStatisticsAsync(cancellationToken);
        try
        {
            TimeSpan? enqueueElapsed = null;
            var polls = new PollClock();
            if (drain)
            {
                var clock = Stopwatch.StartNew();
                await ProduceAsync(outbox, options.Concurrency, count, TimeSpan.MaxValue, cancellationToken);
                enqueueElapsed = clock.Elapsed;
            }
            else
            {
                await StartAsync(hosted, started, cancellationToken);
            }

            CleanHeap();
            var (delivered, elapsed, cpu, machine) = await TimeAsync(async () =>
            {
                if (drain)
                {
                    await StartAsync(hosted, started, cancellationToken);
                }
                else
                {
                    var clock = Stopwatch.StartNew();
                    await ProduceAsync(outbox, options.Concurrency, count, TimeSpan.MaxValue, cancellationToken);
                    enqueueElapsed = clock.Elapsed;
                }

                return await WaitForSentAsync(outbox, count, polls, cancellationToken);
            });
            Interlocked.Add(ref _delivered, delivered);
            return new OutboxMeasurement(delivered, elapsed, cpu, machine, enqueueElapsed, polls.Elapsed);
        }
        finally
        {
            // Graceful stop (nothing should be in flight by now); a deadline so a stuck send cannot hang the benchmark.
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            foreach (var service in Enumerable.Reverse(started))
            {
                await service.StopAsync(deadline.Token);
            }
        }
    }

    private static async Task StartAsync(List<IHostedService> hosted, List<IHostedService> started, CancellationToken cancellationToken)
    {
        foreach (var service in hosted)
        {
            await service.StartAsync(cancellationToken);
            started.Add(service);
        }
    }

    /// <summary>Polls the store every 20 ms until it reports <paramref name="count"/> messages sent; fails on any other final or deferred state.</summary>
    private static async Task<int> WaitForSentAsync(IEmailOutbox outbox, int count, PollClock polls, CancellationToken cancellationToken)
    {
        // Generous: an end-to-end run that takes this long has a problem worth reporting rather than waiting for.
        var timeout = TimeSpan.FromSeconds(Math.Max(120, count / 50));
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var started = Stopwatch.GetTimestamp();
            var counts = (await outbox.GetStatisticsAsync(cancellationToken)).Counts;
            polls.Elapsed += Stopwatch.GetElapsedTime(started);
            if (counts[OutboxState.Sent] >= count)
            {
                return (int)counts[OutboxState.Sent];
            }

            foreach (var state in new[] { OutboxState.Deferred, OutboxState.Failed, OutboxState.Uncertain, OutboxState.Cancelled })
            {
                if (counts[state] > 0)
                {
                    var listed = await outbox.ListAsync(state, 1, cancellationToken);
                    var example = listed.Count > 0 ? listed[0] : null;
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{counts[state]} message(s) became {state} (e.g. {example?.LastError ?? "no error recorded"}); {counts[OutboxState.Sent]} of {count} sent."));
                }
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"only {counts[OutboxState.Sent]} of {count} messages were sent after {timeout.TotalSeconds:0} s."));
            }

            await Task.Delay(PollEvery, cancellationToken);
        }
    }

    private Task<int> ProduceAsync(IEmailOutbox outbox, int producers, int count, TimeSpan maxDuration, CancellationToken cancellationToken) =>
        RunLoopsAsync(producers, count, maxDuration, () => outbox.EnqueueAsync(messages.CreateMimeMessage(), options: null, cancellationToken), cancellationToken);

    /// <summary>Runs <paramref name="loops"/> concurrent loops of <paramref name="operation"/>, <paramref name="count"/> operations in all (or until <paramref name="maxDuration"/>); returns how many completed.</summary>
    private static async Task<int> RunLoopsAsync(int loops, int count, TimeSpan maxDuration, Func<Task> operation, CancellationToken cancellationToken)
    {
        var claimed = 0;
        var done = 0;
        var clock = Stopwatch.StartNew();

        async Task LoopAsync()
        {
            while (Interlocked.Increment(ref claimed) <= count && clock.Elapsed < maxDuration)
            {
                await operation();
                Interlocked.Increment(ref done);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, loops).Select(_ => Task.Run(LoopAsync, cancellationToken)));
        return done;
    }

    private static async Task<(int Count, TimeSpan Elapsed, TimeSpan Cpu, TimeSpan? Machine)> TimeAsync(Func<Task<int>> run)
    {
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var machineBefore = MachineBusy();
        var clock = Stopwatch.StartNew();
        var count = await run();
        clock.Stop();
        var machineAfter = MachineBusy();
        process.Refresh();
        return (count, clock.Elapsed, process.TotalProcessorTime - cpuBefore, machineAfter - machineBefore);
    }

    /// <summary>
    /// The CPU time all cores spent busy since boot, from the first line of /proc/stat (user, nice, system, irq, softirq
    /// and steal, in clock ticks of 10 ms); <see langword="null"/> where there is no /proc/stat.
    /// </summary>
    private static TimeSpan? MachineBusy()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            var fields = reader.ReadLine()?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields is not { Length: > 8 } || fields[0] != "cpu")
            {
                return null;
            }

            long Ticks(int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);
            var busy = Ticks(1) + Ticks(2) + Ticks(3) + Ticks(6) + Ticks(7) + Ticks(8);
            return TimeSpan.FromMilliseconds(busy * 10.0);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Starts each timed run from a clean heap, so one scenario's garbage is not collected on another's time.</summary>
    private static void CleanHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>The time the status polls of one run took.</summary>
    private sealed class PollClock
    {
        public TimeSpan Elapsed { get; set; }
    }

    private ServiceProvider Build(string? store, bool runWorker)
    {
        var services = new ServiceCollection();
        var sender = services.AddMailSender(o => o.Transport = TransportUri);
        if (store is not null)
        {
            sender.AddOutbox(o =>
            {
                o.Store = store;
                o.RunWorker = runWorker;
                o.Concurrency = options.Concurrency;
            }).AddPostgreSql();
        }

        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}
