namespace MailSender.Benchmarks.Throughput;

/// <summary>The senders of one run; worker <c>i</c> only ever uses its own slot, so sessions need no locking.</summary>
internal interface ISendSession : IAsyncDisposable
{
    /// <summary>Builds a new message and sends it as worker <paramref name="worker"/>.</summary>
    Task SendAsync(int worker, CancellationToken cancellationToken);
}
