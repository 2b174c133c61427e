using System.Text;

namespace MailSender;

/// <summary>
/// Thrown when a message cannot be sent. Carries what a caller needs to decide what to do next.
/// </summary>
/// <remarks>
/// <para>
/// The code that creates the exception says whether retrying may help (<see cref="IsTransient"/>); whether MailSender
/// itself retries is decided by the retry options' <c>ShouldHandle</c> (<see cref="EmailResilienceOptions.Retry"/>): by default
/// <see cref="EmailResiliencePredicates.IsTransient(Polly.Outcome{SendResult})"/>, which refuses 5xx replies, refused credentials
/// and anything that may already have been accepted (unless <see cref="EmailRetryStrategyOptions.AllowAtLeastOnce"/> is set).
/// </para>
/// <para>
/// The message, <see cref="Hint"/>, <see cref="ServerText"/> and <see cref="ToString"/> never contain passwords, tokens or
/// authentication payloads, even when a server echoes them in its reply.
/// </para>
/// </remarks>
#pragma warning disable CA1032 // Every failure has a kind: constructors without one would build an exception that cannot say what went wrong.
public sealed class EmailSendException : Exception
#pragma warning restore CA1032
{
    /// <summary>Initializes a new instance of the <see cref="EmailSendException"/> class.</summary>
    /// <param name="kind">What went wrong.</param>
    /// <param name="message">A description of the failure, free of secrets.</param>
    /// <param name="innerException">The underlying exception, if any; it must be free of secrets too.</param>
    public EmailSendException(EmailErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Gets what went wrong.</summary>
    public EmailErrorKind Kind { get; }

    /// <summary>Gets a value indicating whether trying again later may succeed (a 4xx reply, a dropped connection, a timeout before the message was handed over).</summary>
    /// <value>Set by the code that creates the exception; <see langword="false"/> unless it says otherwise.</value>
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

    /// <summary>For a veto of the suppression check, the entry that caused it.</summary>
    internal EmailSuppression? Suppression { get; init; }

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
            // MailSender never attaches an inner exception that quotes a secret (server replies are redacted first).
            text.Append(" ---> ").Append(InnerException.GetType().FullName).Append(": ").Append(InnerException.Message);
        }

        if (StackTrace is not null)
        {
            text.AppendLine().Append(StackTrace);
        }

        return text.ToString();
    }

    /// <summary>Returns a copy with another message, keeping every property (for errors re-worded by an outer layer).</summary>
    internal EmailSendException WithMessage(string message, Exception? innerException) =>
        new(Kind, message, innerException)
        {
            IsTransient = IsTransient,
            StatusCode = StatusCode,
            EnhancedStatusCode = EnhancedStatusCode,
            ServerText = ServerText,
            Recipients = Recipients,
            MayHaveBeenAccepted = MayHaveBeenAccepted,
            Hint = Hint,
            Transport = Transport,
        };
}
