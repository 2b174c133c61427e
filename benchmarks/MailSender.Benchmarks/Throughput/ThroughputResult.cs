using System.Text.Json.Serialization;

namespace MailSender.Benchmarks.Throughput;

/// <summary>One row of the output, the median of the repeated runs. The JSON names are a contract (issue #3).</summary>
/// <remarks><see cref="CpuMicrosecondsPerMessage"/> is shown in the table only: the JSON keeps exactly the contract's fields.</remarks>
internal sealed record ThroughputResult(string Mode, int Connections, int Size, double MsgsPerSec, long? AllocatedBytesPerMessage)
{
    [JsonIgnore]
    public double? CpuMicrosecondsPerMessage { get; init; }
}
