namespace MailSender.Benchmarks.Throughput;

/// <summary>One timed run: how many messages were sent in how long, and what that allocated in this process.</summary>
/// <param name="Messages">Messages the server accepted.</param>
/// <param name="Elapsed">Wall-clock time of the timed sends.</param>
/// <param name="AllocatedBytes">Bytes allocated in this process meanwhile, or <see langword="null"/> for an external client.</param>
/// <param name="CpuTime">CPU time (user + system, all threads) this process used meanwhile, or <see langword="null"/> for an external client.</param>
/// <param name="Bursts">Client write bursts the delay proxy counted meanwhile (round trips), or <see langword="null"/> without a proxy.</param>
internal sealed record Measurement(int Messages, TimeSpan Elapsed, long? AllocatedBytes, TimeSpan? CpuTime = null, long? Bursts = null)
{
    /// <summary>Gets the round trips per message, when a delay proxy counted them.</summary>
    public double? RoundTripsPerMessage => Bursts is { } bursts ? (double)bursts / Messages : null;

    public double MessagesPerSecond => Messages / Elapsed.TotalSeconds;

    public double? AllocatedBytesPerMessage => AllocatedBytes is { } bytes ? (double)bytes / Messages : null;

    /// <summary>Gets the client's CPU time per message in microseconds (GC and JIT threads included).</summary>
    public double? CpuMicrosecondsPerMessage => CpuTime is { } cpu ? cpu.TotalMicroseconds / Messages : null;
}
