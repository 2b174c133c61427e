namespace MailSender.Outbox;

/// <summary>One recipient of an outbox message and what the server last said about it.</summary>
public sealed class OutboxRecipient
{
    /// <summary>Gets the address (the envelope's RCPT TO).</summary>
    public required string Address { get; init; }

    /// <summary>Gets where the recipient stands; <see cref="OutboxState.Sending"/> while a worker holds the message.</summary>
    public required OutboxState State { get; init; }

    /// <summary>Gets the server's reply code for this recipient (250 when accepted), if an attempt got that far; none once <see cref="OutboxState.Bounced"/> (the bounce overturned the 250).</summary>
    public int? StatusCode { get; init; }

    /// <summary>Gets the enhanced status code (RFC 3463), such as 5.1.1, when the server gave one; for <see cref="OutboxState.Bounced"/>, the bounce report's.</summary>
    public string? EnhancedStatusCode { get; init; }

    /// <summary>Gets the server's reply text, or why the recipient failed without one (lifetime exceeded); for <see cref="OutboxState.Bounced"/>, the bounce report's diagnostic.</summary>
    public string? Reply { get; init; }

    /// <summary>Gets when this recipient's state last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}
