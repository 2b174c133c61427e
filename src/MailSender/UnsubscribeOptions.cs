namespace MailSender;

/// <summary>
/// One-click unsubscribe (RFC 8058), bound from <c>MailSender:Unsubscribe</c> by <c>AddOneClickUnsubscribe</c>: every
/// message that carries a <c>List-Id</c> header gets <c>List-Unsubscribe</c> and <c>List-Unsubscribe-Post</c> with a
/// signed token for its one recipient, which <c>MapMailSenderUnsubscribe</c> (MailSender.AspNetCore) honours.
/// </summary>
public sealed class UnsubscribeOptions
{
    /// <summary>
    /// The HTTPS address of the unsubscribe endpoint, e.g. <c>https://example.com/unsubscribe</c>; each message's
    /// token is appended as one more path segment. Required; must be <c>https</c> (receivers ignore anything else).
    /// </summary>
    public string? BaseUrl { get; set; }

    /// <summary>
    /// An optional address that also takes unsubscribes by mail (<c>mailto:</c> in <c>List-Unsubscribe</c>, the token
    /// in the subject). Gmail requires the HTTPS address; the mailto one is for clients that only know mail.
    /// </summary>
    public string? Mailto { get; set; }

    /// <summary>
    /// The signing keys. The first signs new tokens; every key verifies, so a key is rotated by putting the new one
    /// first and keeping the old one until the tokens it signed have expired.
    /// </summary>
    public IList<UnsubscribeKey> Keys { get; } = [];

    /// <summary>
    /// How long a token stays valid. Default: 180 days, since people unsubscribe from old mail too and a link that
    /// stops working makes them press "report spam" instead.
    /// </summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromDays(180);
}
