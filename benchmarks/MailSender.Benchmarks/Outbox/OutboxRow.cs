namespace MailSender.Benchmarks.Outbox;

/// <summary>One scenario of the <c>outbox</c> command (a row of its tables) and its runs.</summary>
/// <param name="Benchmark"><c>enqueue</c> or <c>end-to-end</c>.</param>
/// <param name="Mode"><c>enqueue</c>; or <c>direct</c> (the baseline), <c>outbox</c> (enqueue and deliver), <c>drain</c> (deliver what is queued).</param>
/// <param name="Store"><c>sqlite</c>, <c>postgres</c>, or <see langword="null"/> for the direct baseline.</param>
/// <param name="Concurrency">Producers (enqueue); callers, producers and worker concurrency (end-to-end).</param>
/// <param name="Run">Runs the scenario once, timed.</param>
internal sealed record OutboxRow(string Benchmark, string Mode, string? Store, int Concurrency, Func<CancellationToken, Task<OutboxMeasurement>> Run)
{
    /// <summary>Gets the target of issue 13, or <see langword="null"/>: msg/s for enqueue rows, the ratio to direct for end-to-end rows.</summary>
    public double? Target { get; init; }

    public string Label => Benchmark == "enqueue" ? $"enqueue {Store} x{Concurrency}" : $"end-to-end {Mode}{(Store is null ? string.Empty : " " + Store)} x{Concurrency}";

    /// <summary>Gets or sets the first run in the process (code still cold), reported apart from the rounds.</summary>
    public OutboxMeasurement? First { get; set; }

    /// <summary>Gets the timed rounds, in order (round i of every row ran next to round i of the others).</summary>
    public List<OutboxMeasurement?> Rounds { get; } = [];

    public bool Failed { get; set; }

    public string? Failure { get; set; }
}
