namespace MailSender.Deliverability;

/// <summary>
/// Where <c>AddBounceProcessing</c>'s background service reads bounces, and how often (section
/// <c>MailSender:Bounces</c>). Set exactly one source: <see cref="Maildir"/>, <see cref="Folder"/> or <see cref="Imap"/>.
/// Checked at start-up.
/// </summary>
public sealed class BounceProcessingOptions
{
    /// <summary>Gets or sets a Maildir (holding <c>new/</c> and <c>cur/</c>) to process, as <see cref="BounceProcessor.ProcessMaildirAsync"/> does.</summary>
    public string? Maildir { get; set; }

    /// <summary>Gets or sets a folder of <c>.eml</c> files to process, as <see cref="BounceProcessor.ProcessFolderAsync"/> does.</summary>
    public string? Folder { get; set; }

    /// <summary>Gets or sets an IMAP mailbox to process, as <see cref="BounceProcessor.ProcessImapAsync(ImapBounceMailbox, CancellationToken)"/> does.</summary>
    public ImapBounceMailbox? Imap { get; set; }

    /// <summary>Gets or sets the time between two runs (the first starts with the application); five minutes by default, at least one second.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);
}
