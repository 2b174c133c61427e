namespace MailSender;

/// <summary>What became of one message of a bulk send.</summary>
public enum BulkSendState
{
    /// <summary>The server accepted the message for every recipient.</summary>
    Sent,

    /// <summary>The server accepted the message for some recipients and refused others (see <see cref="SendResult.RejectedRecipients"/>).</summary>
    PartiallySent,

    /// <summary>Not sent: a recipient is on the suppression list. Nothing was written to the wire.</summary>
    Suppressed,

    /// <summary>Not sent: an interceptor refused it (e.g. the suppression check of <c>AddSuppressionList</c>). Nothing was written to the wire.</summary>
    Refused,

    /// <summary>Not sent: the message could not be built or the send failed (see <see cref="BulkSendResult.Error"/>).</summary>
    Failed,
}
