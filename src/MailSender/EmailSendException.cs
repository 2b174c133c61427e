using System.Text;

namespace MailSender;

/// <summary>
/// Thrown when a message cannot be sent. Carries what a caller needs to decide what to do next.
/// </summary>
/// <remarks>
/// The message, <see cref="Hint"/> and <see cref="ToString"/> never contain passwords, tokens or
/// authentication payloads.
/// </remarks>
public class EmailSendException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="EmailSendException"/> class.</summary>
    /// <param name="kind">What went wrong.</param>
    /// <param name="message">A description of the failure, free of secrets.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public EmailSendException(EmailErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        IsTransient = DefaultIsTransient(kind);
    }

    /// <summary>Gets what went wrong.</summary>
    public EmailErrorKind Kind { get; }

    /// <summary>Gets a value indicating whether trying again later may succeed (a 4xx reply, a dropped connection, a timeout).</summary>
    public bool IsTransient { get; init; }

    /// <summary>Gets the SMTP reply code, e.g. 535, when a server replied.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Gets the enhanced status code, e.g. <c>5.7.8</c>, when the server sent one.</summary>
    public string? EnhancedStatusCode { get; init; }

    /// <summary>Gets the server's reply text, when a server replied.</summary>
    public string? ServerText { get; init; }

    /// <summary>Gets the recipients concerned (for <see cref="EmailErrorKind.RecipientsRejected"/>).</summary>
    public IReadOnlyList<RejectedRecipient> Recipients { get; init; } = [];

    /// <summary>Gets a value indicating whether the server may already have accepted the message, so resending could duplicate it.</summary>
    public bool MayHaveBeenAccepted { get; init; }

    /// <summary>Gets advice in plain words, e.g. "port 25 is blocked by many ISPs; try 587 or 465", or <see langword="null"/>.</summary>
    public string? Hint { get; init; }

    /// <summary>Gets a description of the transport, without secrets, or <see langword="null"/>.</summary>
    public string? Transport { get; init; }

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(GetType().FullName).Append(": ").Append(Kind).Append(": ").Append(Message);
        if (StatusCode is { } code)
        {
            text.Append(" [").Append(code);
            if (EnhancedStatusCode is not null)
            {
                text.Append(' ').Append(EnhancedStatusCode);
            }

            text.Append(']');
        }

        if (Hint is not null)
        {
            text.Append(" Hint: ").Append(Hint);
        }

        if (InnerException is not null)
        {
            // The inner exception comes from MailKit or the OS; neither includes credentials.
            text.Append(" ---> ").Append(InnerException.GetType().FullName).Append(": ").Append(InnerException.Message);
        }

        if (StackTrace is not null)
        {
            text.AppendLine().Append(StackTrace);
        }

        return text.ToString();
    }

    private static bool DefaultIsTransient(EmailErrorKind kind) => kind is
        EmailErrorKind.ConnectionFailed or
        EmailErrorKind.ServerBusy or
        EmailErrorKind.Timeout or
        EmailErrorKind.ProtocolError;
}
