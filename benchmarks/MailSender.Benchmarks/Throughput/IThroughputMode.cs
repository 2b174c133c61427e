namespace MailSender.Benchmarks.Throughput;

/// <summary>One way of sending mail that the harness compares, e.g. raw MailKit with reused connections.</summary>
internal interface IThroughputMode
{
    /// <summary>Gets the name printed in the table and the JSON (part of the output contract).</summary>
    string Name { get; }

    /// <summary>Gets the connection (worker) counts to measure.</summary>
    IReadOnlyList<int> ConnectionCounts { get; }

    /// <summary>Returns why the mode cannot run against this target (e.g. plain SMTP only), or <see langword="null"/>.</summary>
    string? SkipReason(ThroughputContext context);

    /// <summary>Warms up briefly, then sends <see cref="ThroughputContext.Messages"/> messages over <paramref name="connections"/> connections and measures.</summary>
    Task<Measurement> RunAsync(ThroughputContext context, int connections, CancellationToken cancellationToken);
}
