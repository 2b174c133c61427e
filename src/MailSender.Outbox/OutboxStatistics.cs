namespace MailSender.Outbox;

/// <summary>How many messages are in each state, and how late the oldest due one is.</summary>
public sealed class OutboxStatistics
{
    /// <summary>Gets the number of messages in each state (every state is present, zero when none).</summary>
    public required IReadOnlyDictionary<OutboxState, long> Counts { get; init; }

    /// <summary>Gets how long the oldest message that is due (queued or deferred, next attempt passed) has been waiting since it became due; zero when none is.</summary>
    public TimeSpan OldestDueAge { get; init; }
}
