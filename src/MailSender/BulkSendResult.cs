namespace MailSender;

/// <summary>The outcome of one message of a bulk send.</summary>
public sealed class BulkSendResult
{
    /// <summary>The position of the message in the input, from 0. Results come in the order messages complete, so this ties them back.</summary>
    public required long Index { get; init; }

    /// <summary>The message's recipients (To, Cc, Bcc), or none when the message could not be built.</summary>
    public required IReadOnlyList<string> Recipients { get; init; }

    /// <summary>What became of the message.</summary>
    public required BulkSendState State { get; init; }

    /// <summary>The server's reply when sent; otherwise why not, in words.</summary>
    public string? Reply { get; init; }

    /// <summary>The message's Message-Id, when it was built.</summary>
    public string? MessageId { get; init; }

    /// <summary>The send's result, when sent.</summary>
    public SendResult? Result { get; init; }

    /// <summary>The failure, for <see cref="BulkSendState.Failed"/> and <see cref="BulkSendState.Refused"/>.</summary>
    public Exception? Error { get; init; }

    /// <summary>The suppression entry, for <see cref="BulkSendState.Suppressed"/>.</summary>
    public EmailSuppression? Suppression { get; init; }
}
