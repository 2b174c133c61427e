using MimeKit;

namespace MailSender.Failover;

/// <summary>
/// Sends through the first of several transports that works (<c>failover(A B)</c>), or spreads messages across them in
/// turn (<c>roundrobin(A B)</c>). It moves on to the next transport only when
/// <see cref="EmailResiliencePredicates.IsTransient(Exception)"/> says the failure is transient (connection failures,
/// timeouts before the hand-over, 4xx replies): never after a 5xx refusal or an uncertain delivery, which could duplicate the message.
/// </summary>
internal sealed class FailoverTransport : IEmailTransport, ISizeAwareTransport, IAsyncDisposable
{
    private readonly IEmailTransport[] _transports;
    private readonly bool _roundRobin;
    private int _next = -1;

    public FailoverTransport(IReadOnlyList<IEmailTransport> transports, bool roundRobin)
    {
        _transports = [.. transports];
        _roundRobin = roundRobin;
        Name = (roundRobin ? "roundrobin(" : "failover(") + string.Join(' ', _transports.Select(t => t.Name)) + ")";
    }

    public string Name { get; }

    public IReadOnlyList<IEmailTransport> Transports => _transports;

    public Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default) =>
        SendAsync(message, envelope, long.MaxValue, cancellationToken);

    public async Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, long sizeBound, CancellationToken cancellationToken)
    {
        var count = _transports.Length;
        var start = _roundRobin ? (int)((uint)Interlocked.Increment(ref _next) % (uint)count) : 0;
        for (var i = 0; ; i++)
        {
            var transport = _transports[(start + i) % count];
            try
            {
                return await (transport is ISizeAwareTransport sized
                    ? sized.SendAsync(message, envelope, sizeBound, cancellationToken)
                    : transport.SendAsync(message, envelope, cancellationToken)).ConfigureAwait(false);
            }
            catch (EmailSendException ex) when (i < count - 1 && EmailResiliencePredicates.IsTransient(ex))
            {
                // Nothing was accepted (a transient failure is never one after the hand-over): the next transport may do better.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var transport in _transports)
        {
            switch (transport)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }
}
