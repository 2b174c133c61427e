namespace MailSender.Deliverability;

/// <summary>One finding of <c>mailsender lint</c> or <c>mailsender doctor</c>: what was checked, how it went, and the fix.</summary>
/// <param name="Check">A short, stable name of the check (e.g. <c>html-without-text</c>, <c>spf</c>); scripts may match on it.</param>
/// <param name="Severity">Whether it is fine, a risk, or a problem that gets mail refused or junked.</param>
/// <param name="Message">What was found and what it means, in plain words.</param>
/// <param name="Fix">What to do about it, or <see langword="null"/> when nothing is needed.</param>
public sealed record DeliverabilityFinding(string Check, FindingSeverity Severity, string Message, string? Fix = null);

/// <summary>How serious a <see cref="DeliverabilityFinding"/> is.</summary>
public enum FindingSeverity
{
    /// <summary>Checked and fine.</summary>
    Ok,

    /// <summary>A risk: mail may be junked, clipped or shown badly, but is not refused for it.</summary>
    Warning,

    /// <summary>A problem: receivers refuse or junk mail for it, or a rule for bulk senders is broken.</summary>
    Error,
}
