namespace MailSender.Benchmarks.Throughput;

/// <summary>One row of the output, the median of the repeated runs.</summary>
/// <remarks>
/// The JSON (<see cref="ResultsReport.ToJson"/>) keeps the names of issue #3 (mode, connections, size, msgsPerSec,
/// allocatedBytesPerMessage) and adds the later ones after them; scripts read it by name.
/// </remarks>
internal sealed record ThroughputResult(string Mode, int Connections, int Size, double MsgsPerSec, long? AllocatedBytesPerMessage)
{
    /// <summary>Gets the client's CPU per message in microseconds, for in-process modes.</summary>
    public double? CpuMicrosecondsPerMessage { get; init; }

    /// <summary>Gets the slowest timed round (the spread is min to max).</summary>
    public double MsgsPerSecMin { get; init; }

    /// <summary>Gets the fastest timed round.</summary>
    public double MsgsPerSecMax { get; init; }

    /// <summary>Gets the median round trips per message counted by the delay proxy (<c>--rtt</c>), else null.</summary>
    public double? RoundTripsPerMessage { get; init; }

    /// <summary>Gets the priming run's rate: the mode's first round in the process, its code still cold.</summary>
    public double? FirstRoundMsgsPerSec { get; init; }

    /// <summary>Gets each timed round's rate, in order, for ratios computed round by round.</summary>
    public IReadOnlyList<double> PerRoundMsgsPerSec { get; init; } = [];

    /// <summary>Gets the median of this mode's per-round ratio to the baseline, and the spread (min, max); null without a baseline row.</summary>
    public (double Median, double Min, double Max)? RatioToBaseline { get; set; }
}
