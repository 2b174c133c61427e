namespace MailSender;

/// <summary>How a send ended, as an <see cref="IEmailObserver"/> learns it.</summary>
public enum EmailSendOutcome
{
    /// <summary>The transport accepted the message for at least one recipient (<see cref="EmailSendCompletedContext.Result"/> says for whom).</summary>
    Sent,

    /// <summary>The message was not sent: invalid, vetoed, refused, or the server could not be reached (<see cref="EmailSendCompletedContext.Exception"/> says why).</summary>
    Failed,

    /// <summary>The connection failed after the message was written: the server may have accepted it (<see cref="EmailErrorKind.DeliveryUncertain"/>).</summary>
    Uncertain,
}
