namespace MailSender;

/// <summary>How the suppression list is used, bound from <c>MailSender:Suppression</c> by <c>AddSuppressionList</c>.</summary>
public sealed class SuppressionOptions
{
    /// <summary>
    /// Whether every message is checked, not only list mail (a message with a <c>List-Id</c>, which is always checked).
    /// Default: <see langword="false"/>, so a password reset still reaches someone who unsubscribed from the newsletter;
    /// global entries (hard bounces, complaints) then stop only list mail. Turn it on to keep all mail away from
    /// addresses that bounced or complained.
    /// </summary>
    public bool CheckEverySend { get; set; }
}
