namespace MailSender.Deliverability;

/// <summary>What <see cref="MessageLinter.Lint(MimeKit.MimeMessage, MessageLintOptions?)"/> checks a message against.</summary>
public sealed class MessageLintOptions
{
    /// <summary>
    /// Whether the message is bulk mail (marketing, newsletters, anything sent to many): it then needs one-click
    /// unsubscribe, and a From domain aligned with its DKIM domain (Gmail and Yahoo's rules for bulk senders).
    /// </summary>
    public bool Bulk { get; set; }

    /// <summary>The domain the message will be DKIM-signed with (<c>MailSender:Dkim:Domain</c>), when it is not signed yet.</summary>
    public string? DkimDomain { get; set; }
}
