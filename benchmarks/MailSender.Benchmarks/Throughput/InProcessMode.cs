using System.Diagnostics;

namespace MailSender.Benchmarks.Throughput;

/// <summary>
/// A mode that sends from this process: N workers share a session and each calls <see cref="ISendSession.SendAsync"/>
/// in a loop. Allocations are measured with <see cref="GC.GetTotalAllocatedBytes(bool)"/> around the timed loop.
/// </summary>
internal abstract class InProcessMode : IThroughputMode
{
    // Warm up for a minimum count and a minimum time: tiered JIT recompiles hot methods in the background after ~100 ms.
    private static readonly TimeSpan MinWarmup = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxWarmup = TimeSpan.FromSeconds(3);

    public abstract string Name { get; }

    public abstract IReadOnlyList<int> ConnectionCounts { get; }

    public virtual string? SkipReason(ThroughputContext context) => null;

    public async Task<Measurement> RunAsync(ThroughputContext context, int connections, CancellationToken cancellationToken)
    {
        // Opening (and closing) a session is not timed: for reusing modes it is the steady state that counts.
        await using var session = await OpenAsync(context, connections, cancellationToken);
        var warmup = context.WarmupMessages(connections);
        var workers = Workers(context, connections);
        context.CountSent(await SendAllAsync(session, workers, (claimed, elapsed) => elapsed < MaxWarmup && (claimed <= warmup || elapsed < MinWarmup), cancellationToken));

        // Start each timed run from a clean heap so one mode's garbage is not collected on another's time.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var burstsBefore = context.Proxy?.Bursts;
        var stopwatch = Stopwatch.StartNew();
        var sent = await SendAllAsync(session, workers, (claimed, elapsed) => claimed <= context.Messages && elapsed < context.MaxDuration, cancellationToken);
        stopwatch.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var bursts = context.Proxy?.Bursts - burstsBefore;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        context.CountSent(sent);

        if (sent < context.Messages)
        {
            // Worded without the count so it is noted once per mode, not once per run.
            context.Note($"{Name} x{connections}: hit the --max-seconds limit ({context.MaxDuration.TotalSeconds:0} s) before {context.Messages} messages; rated on the messages sent.");
        }

        return new Measurement(sent, stopwatch.Elapsed, allocated, cpu, bursts);
    }

    /// <summary>
    /// Sends untimed for up to <paramref name="duration"/> (at most <see cref="ThroughputContext.Messages"/> messages), so the
    /// JIT has optimised this mode's code before its first timed run; returns how many were sent.
    /// </summary>
    /// <remarks>
    /// Without it the first repetition of whichever mode runs first in the process ran at about half speed (tiered
    /// compilation with dynamic PGO was still instrumenting), and that mode was always mailsender.
    /// </remarks>
    /// <returns>The run, timed from the first send: the mode's first round in this process (its code still cold), reported apart.</returns>
    public async Task<Measurement> PrimeAsync(ThroughputContext context, int connections, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var session = await OpenAsync(context, connections, cancellationToken);
        var stopwatch = Stopwatch.StartNew();
        var sent = await SendAllAsync(session, Workers(context, connections), (claimed, elapsed) => claimed <= context.Messages && elapsed < duration, cancellationToken);
        return new Measurement(sent, stopwatch.Elapsed, AllocatedBytes: null);
    }

    /// <summary>How many callers send at once over <paramref name="connections"/>: one each, unless the mode shares connections.</summary>
    protected virtual int Workers(ThroughputContext context, int connections) => connections;

    /// <summary>Prepares <paramref name="connections"/> workers' worth of senders (and connects them, for reusing modes).</summary>
    protected abstract Task<ISendSession> OpenAsync(ThroughputContext context, int connections, CancellationToken cancellationToken);

    /// <summary>Runs the workers while <paramref name="proceed"/>(number of the next message, time so far) holds; returns how many were sent.</summary>
    private static async Task<int> SendAllAsync(ISendSession session, int workers, Func<int, TimeSpan, bool> proceed, CancellationToken cancellationToken)
    {
        var claimed = 0;
        var sent = 0;
        var clock = Stopwatch.StartNew();

        async Task WorkAsync(int worker)
        {
            while (proceed(Interlocked.Increment(ref claimed), clock.Elapsed))
            {
                await session.SendAsync(worker, cancellationToken);
                Interlocked.Increment(ref sent);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(() => WorkAsync(worker), cancellationToken)));
        return sent;
    }
}
