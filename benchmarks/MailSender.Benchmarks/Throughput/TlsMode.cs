namespace MailSender.Benchmarks.Throughput;

/// <summary>Whether and how the connection is encrypted.</summary>
internal enum TlsMode
{
    None,
    Implicit,
    StartTls,
}
