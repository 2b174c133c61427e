namespace MailSender.Internal;

/// <summary>
/// The moment of a send after which the message may have been delivered: just before the write that ends it (the final
/// dot or the last BDAT chunk, or the rename of a pickup file). A durable queue (the outbox) records it there, so after a
/// crash it knows whether a message it was sending may be delivered (uncertain) or cannot have been (safe to send again).
/// </summary>
/// <remarks>
/// The checkpoint travels with the send in an <see cref="AsyncLocal{T}"/> set by the caller around
/// <see cref="IEmailSender.SendAsync"/>; transports that report it (<see cref="IReportsFinalWrite"/>) capture it when the
/// send reaches them, in the caller's context. Only the first <see cref="ReachAsync"/> runs the callback: a retry of
/// the same message passes the same point again, and the record is already made.
/// </remarks>
internal sealed class DeliveryCheckpoint
{
    private static readonly AsyncLocal<DeliveryCheckpoint?> CurrentSlot = new();
    private readonly Func<CancellationToken, ValueTask> _beforeFinalWrite;
    private readonly object _gate = new();
    private Task? _reached;

    /// <param name="beforeFinalWrite">Runs once, before the first write that may complete the message; a failure stops the send before that write.</param>
    public DeliveryCheckpoint(Func<CancellationToken, ValueTask> beforeFinalWrite)
    {
        _beforeFinalWrite = beforeFinalWrite;
    }

    /// <summary>Gets the checkpoint of the send running in this asynchronous context, if any.</summary>
    public static DeliveryCheckpoint? Current => CurrentSlot.Value;

    /// <summary>Gets a value indicating whether the send reached the checkpoint (the callback ran, or is running).</summary>
    public bool Reached
    {
        get
        {
            lock (_gate)
            {
                return _reached is not null;
            }
        }
    }

    /// <summary>Makes <paramref name="checkpoint"/> the current one until the returned scope is disposed.</summary>
    public static Scope Enter(DeliveryCheckpoint checkpoint)
    {
        var previous = CurrentSlot.Value;
        CurrentSlot.Value = checkpoint;
        return new Scope(previous);
    }

    /// <summary>Runs the callback the first time; later calls wait for that first run.</summary>
    public Task ReachAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_reached is null)
            {
                try
                {
                    _reached = _beforeFinalWrite(cancellationToken).AsTask();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // A callback that fails before its first await fails the task, like one that fails after it.
                    _reached = Task.FromException(ex);
                }
            }

            return _reached;
        }
    }

    /// <summary>Restores the previous checkpoint.</summary>
    public readonly struct Scope(DeliveryCheckpoint? previous) : IDisposable
    {
        /// <inheritdoc/>
        public void Dispose() => CurrentSlot.Value = previous;
    }
}

/// <summary>A transport that calls <see cref="DeliveryCheckpoint.ReachAsync"/> before the write that may complete a message.</summary>
internal interface IReportsFinalWrite
{
    /// <summary>Gets a value indicating whether every send through this transport reports its final write.</summary>
    bool ReportsFinalWrite { get; }
}
