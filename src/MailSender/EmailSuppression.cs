namespace MailSender;

/// <summary>One entry of an <see cref="IEmailSuppressionList"/>: an address mail must no longer go to, and why.</summary>
public sealed record EmailSuppression
{
    /// <summary>Creates an entry.</summary>
    /// <param name="address">The suppressed address (<c>user@example.com</c>).</param>
    /// <param name="reason">Why it is suppressed.</param>
    /// <param name="list">The list it is suppressed for, or <see langword="null"/> for all mail.</param>
    public EmailSuppression(string address, SuppressionReason reason, string? list = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        if (list is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(list);
        }

        Address = address;
        Reason = reason;
        List = list;
    }

    /// <summary>The suppressed address.</summary>
    public string Address { get; }

    /// <summary>Why the address is suppressed.</summary>
    public SuppressionReason Reason { get; }

    /// <summary>The list the address is suppressed for, or <see langword="null"/> for all mail.</summary>
    public string? List { get; }

    /// <summary>When the entry was made.</summary>
    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>What caused it, in words: the bounce's status and diagnostic, the complaint's feedback type.</summary>
    public string? Detail { get; init; }

    /// <summary>The bad-input rule of every suppression list (in memory and the outbox's): an address, without a line break.</summary>
    internal static void CheckAddress(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        if (address.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("A suppressed address cannot contain a line break (CR or LF).", nameof(address));
        }
    }

    /// <summary>The entry in words, for errors and results: <c>ADDRESS is suppressed for list 'L' (unsubscribed: detail)</c>.</summary>
    internal string Describe()
    {
        var scope = List is null ? "all mail" : $"list '{List}'";
        var reason = Reason switch
        {
            SuppressionReason.Unsubscribed => "unsubscribed",
            SuppressionReason.HardBounce => "mail to it bounced permanently",
            SuppressionReason.Complaint => "the recipient reported mail as spam",
            _ => "added by hand",
        };
        return $"{Address} is suppressed for {scope} ({reason}{(Detail is null ? "" : ": " + Detail)})";
    }
}
