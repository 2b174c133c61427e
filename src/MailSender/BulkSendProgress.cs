namespace MailSender;

/// <summary>Counts of a bulk send so far.</summary>
/// <param name="Completed">Messages finished, whatever their state.</param>
/// <param name="Sent">Messages in state <see cref="BulkSendState.Sent"/> or <see cref="BulkSendState.PartiallySent"/>.</param>
/// <param name="Failed">Messages in state <see cref="BulkSendState.Failed"/>.</param>
/// <param name="Skipped">Messages in state <see cref="BulkSendState.Suppressed"/> or <see cref="BulkSendState.Refused"/>.</param>
/// <param name="Elapsed">Time since the bulk send started.</param>
public readonly record struct BulkSendProgress(long Completed, long Sent, long Failed, long Skipped, TimeSpan Elapsed)
{
    /// <summary>Messages completed per second so far.</summary>
    public double MessagesPerSecond => Elapsed > TimeSpan.Zero ? Completed / Elapsed.TotalSeconds : 0;
}
