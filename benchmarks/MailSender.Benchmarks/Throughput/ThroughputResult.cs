using System.Text.Json.Serialization;

namespace MailSender.Benchmarks.Throughput;

/// <summary>One row of the output, the median of the repeated runs. The JSON names are a contract (issue #3).</summary>
/// <remarks><see cref="CpuMicrosecondsPerMessage"/> is shown in the table only: the JSON keeps exactly the contract's fields.</remarks>
internal sealed record ThroughputResult(string Mode, int Connections, int Size, double MsgsPerSec, long? AllocatedBytesPerMessage)
{
    [JsonIgnore]
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
