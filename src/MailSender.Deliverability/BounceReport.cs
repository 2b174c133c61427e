namespace MailSender.Deliverability;

/// <summary>
/// What a delivery status notification (RFC 3464) or a feedback report (ARF, RFC 5965) says about mail sent
/// earlier: per recipient, what happened; and which message it was about.
/// </summary>
public sealed class BounceReport
{
    /// <summary>Whether the report is a delivery status notification or a complaint.</summary>
    public required BounceReportType Type { get; init; }

    /// <summary>The recipients it is about, each with what happened.</summary>
    public required IReadOnlyList<BounceRecipient> Recipients { get; init; }

    /// <summary>The Message-ID of the original message, from the copy or headers the report returns.</summary>
    public string? OriginalMessageId { get; init; }

    /// <summary>The original envelope id (ENVID, RFC 3461) the message was sent with, when the report gives it.</summary>
    public string? OriginalEnvelopeId { get; init; }

    /// <summary>The server that wrote the report (<c>Reporting-MTA</c>), or the feedback report's <c>User-Agent</c>.</summary>
    public string? ReportingMta { get; init; }

    /// <summary>The feedback type of a complaint (<c>abuse</c>, <c>fraud</c>, ...), or <see langword="null"/> for a delivery status notification.</summary>
    public string? FeedbackType { get; init; }
}

/// <summary>The two kinds of report a bounce mailbox receives.</summary>
public enum BounceReportType
{
    /// <summary>A delivery status notification (<c>multipart/report; report-type=delivery-status</c>).</summary>
    DeliveryStatus,

    /// <summary>A feedback report, usually a spam complaint (<c>multipart/report; report-type=feedback-report</c>).</summary>
    Feedback,
}

/// <summary>What a report says happened to mail for one recipient.</summary>
/// <param name="Address">The recipient's address (<c>Final-Recipient</c>, or the complaint's original recipient).</param>
/// <param name="Kind">Hard or soft bounce, delivered, or complaint.</param>
/// <param name="Status">The enhanced status code (<c>5.1.1</c>), when given.</param>
/// <param name="Diagnostic">The remote server's words (<c>Diagnostic-Code</c>), when given.</param>
public sealed record BounceRecipient(string Address, BounceKind Kind, string? Status, string? Diagnostic);

/// <summary>How a report's recipient is classified.</summary>
public enum BounceKind
{
    /// <summary>Failed permanently (<c>Action: failed</c> with a 5.x.x status): the address goes on the suppression list.</summary>
    HardBounce,

    /// <summary>Failed for now or delayed (a 4.x.x status, <c>Action: delayed</c>): reported only; the sender retries.</summary>
    SoftBounce,

    /// <summary>Delivered, relayed or expanded (a success notification).</summary>
    Delivered,

    /// <summary>The recipient reported the mail as spam or fraud: the address goes on the suppression list.</summary>
    Complaint,

    /// <summary>A feedback report that is not a complaint (e.g. <c>not-spam</c>, <c>auth-failure</c>).</summary>
    Other,
}
