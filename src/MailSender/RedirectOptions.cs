namespace MailSender;

/// <summary>
/// Development and staging safety (section <c>MailSender:Redirect</c>): sends every message to fixed addresses instead of
/// its recipients, and/or lets only an allow-list of recipients receive mail. Applies to every transport, is logged for
/// each message it changes, and logs a warning when the sender's options are validated (at start-up), so it is never on
/// unnoticed.
/// </summary>
/// <remarks>
/// <para>
/// Each envelope recipient that <see cref="Allow"/> matches receives the message as addressed. Every other recipient is,
/// by <see cref="Unlisted"/>: replaced by <see cref="To"/> (the default when <see cref="To"/> is set), dropped (logged), or
/// refused, in which case nothing is sent and <c>SendAsync</c> throws <see cref="EmailErrorKind.Vetoed"/> (the default
/// without <see cref="To"/>). A message none of whose recipients remains is never sent: it throws <see cref="EmailErrorKind.Vetoed"/>.
/// </para>
/// <para>
/// Only the envelope changes: the headers stay as written, so the message looks as its real recipients would see it,
/// and an <c>X-Original-To</c> header lists the recipients that were replaced or dropped (Bcc recipients included).
/// </para>
/// </remarks>
public class RedirectOptions
{
    /// <summary>Gets or sets the addresses that receive the messages of recipients <see cref="Allow"/> does not match, e.g. <c>qa@example.com</c> (several separated by commas).</summary>
    /// <value>The default is <see langword="null"/>: nothing is redirected.</value>
    public string? To { get; set; }

    /// <summary>
    /// Gets or sets the recipients that receive mail as addressed: addresses (<c>ann@example.com</c>), domains
    /// (<c>example.com</c> or <c>@example.com</c>) and their subdomains (<c>*.example.com</c>). An entry may hold several, separated by commas.
    /// </summary>
    /// <value>The default is empty: with <see cref="To"/> set, every recipient is redirected; without, no allow-list applies.</value>
    public IList<string> Allow { get; set; } = [];

    /// <summary>Gets or sets what happens to the recipients <see cref="Allow"/> does not match.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="UnlistedRecipients.Redirect"/> when <see cref="To"/> is set, else <see cref="UnlistedRecipients.Refuse"/>.</value>
    public UnlistedRecipients? Unlisted { get; set; }
}
