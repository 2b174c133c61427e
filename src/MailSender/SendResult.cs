namespace MailSender;

/// <summary>
/// What happened to a message that was handed over to a transport. Immutable.
/// </summary>
public sealed class SendResult
{
    /// <summary>Gets the message's <c>Message-Id</c> (without angle brackets).</summary>
    public required string MessageId { get; init; }

    /// <summary>Gets the envelope recipients the transport accepted.</summary>
    public IReadOnlyList<string> AcceptedRecipients { get; init; } = [];

    /// <summary>Gets the envelope recipients the server refused, with its reply for each.</summary>
    /// <remarks>The message was still delivered to <see cref="AcceptedRecipients"/>.</remarks>
    public IReadOnlyList<RejectedRecipient> RejectedRecipients { get; init; } = [];

    /// <summary>Gets the server's final reply (for SMTP, usually with the queue id), or <see langword="null"/>.</summary>
    public string? ServerResponse { get; init; }

    /// <summary>Gets a description of the transport used, without secrets (e.g. <c>smtp://smtp.example.com:587</c>).</summary>
    public required string Transport { get; init; }

    /// <summary>Gets how many attempts the send took.</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>Gets how long the send took, attempts included, as measured by <see cref="IEmailSender"/>; zero in a result a transport returns.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Gets the file written, for file-based transports such as the pickup folder; otherwise <see langword="null"/>.</summary>
    public string? FilePath { get; init; }

    /// <summary>Gets a value indicating whether every envelope recipient was accepted.</summary>
    public bool AllRecipientsAccepted => RejectedRecipients.Count == 0;

    /// <summary>Returns a copy with <see cref="Elapsed"/> set: results are immutable, and the sender measures after the transport returned.</summary>
    internal SendResult WithElapsed(TimeSpan elapsed) => new()
    {
        MessageId = MessageId,
        AcceptedRecipients = AcceptedRecipients,
        RejectedRecipients = RejectedRecipients,
        ServerResponse = ServerResponse,
        Transport = Transport,
        Attempts = Attempts,
        Elapsed = elapsed,
        FilePath = FilePath,
    };
}
