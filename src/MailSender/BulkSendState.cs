namespace MailSender;

/// <summary>What became of one message of a bulk send.</summary>
public enum BulkSendState
{
    /// <summary>The server accepted the message for every recipient.</summary>
    Sent,

    /// <summary>The server accepted the message for some recipients and refused others (see <see cref="SendResult.RejectedRecipients"/>).</summary>
    PartiallySent,

    /// <summary>Not sent: a recipient is on the suppression list (<see cref="BulkSendOptions.SuppressionList"/>, or the check of <c>AddSuppressionList</c>). Nothing was written to the wire.</summary>
    Suppressed,

    /// <summary>Not sent: an interceptor vetoed it for another reason (e.g. a list message to several recipients). Nothing was written to the wire.</summary>
    Refused,

    /// <summary>Not sent: the message could not be built or the send failed (see <see cref="BulkSendResult.Error"/>).</summary>
    Failed,
}
