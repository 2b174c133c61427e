namespace MailSender;

/// <summary>How <see cref="BulkEmailSenderExtensions.SendBulkAsync(IEmailSender, IAsyncEnumerable{MimeKit.MimeMessage}, BulkSendOptions?, CancellationToken)"/> sends.</summary>
public sealed class BulkSendOptions
{
    /// <summary>
    /// How many messages are in flight at once. Default: 8, the default size of an SMTP connection pool, so every
    /// pooled connection stays busy. More than the pool's <c>MaxConnections</c> only makes sends queue for a connection.
    /// </summary>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>
    /// The list the messages belong to (e.g. <c>news.example.com</c>). When set, each message gets
    /// <c>List-Id: &lt;id&gt;</c>, which makes it list mail: with <c>AddOneClickUnsubscribe</c> it gets its
    /// one-click unsubscribe headers, and the suppression list is checked for that list. The header is set on the
    /// messages given (any <c>List-Id</c> they had is replaced).
    /// </summary>
    public string? ListId { get; set; }

    /// <summary>
    /// The suppression list to check before each message is sent, or <see langword="null"/> for none. A recipient on
    /// it (globally or for <see cref="ListId"/>) is not sent to: the result is <see cref="BulkSendState.Suppressed"/>.
    /// </summary>
    public IEmailSuppressionList? SuppressionList { get; set; }

    /// <summary>Receives counts as messages complete (at most once per message).</summary>
    public IProgress<BulkSendProgress>? Progress { get; set; }
}
