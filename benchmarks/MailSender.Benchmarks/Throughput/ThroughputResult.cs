namespace MailSender.Benchmarks.Throughput;

/// <summary>One row of the output, the median of the repeated runs. The JSON names are a contract (issue #3).</summary>
internal sealed record ThroughputResult(string Mode, int Connections, int Size, double MsgsPerSec, long? AllocatedBytesPerMessage);
