namespace MailSender;

/// <summary>Why an address is on the <see cref="IEmailSuppressionList"/>.</summary>
public enum SuppressionReason
{
    /// <summary>The recipient unsubscribed (one-click or the confirmation page).</summary>
    Unsubscribed,

    /// <summary>Mail to the address failed permanently (a 5.x.x delivery status).</summary>
    HardBounce,

    /// <summary>The recipient reported mail as spam (an ARF feedback report).</summary>
    Complaint,

    /// <summary>Added by the application or an operator.</summary>
    Manual,
}
