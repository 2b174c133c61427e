namespace MailSender.Smtp;

/// <summary>What the SMTP code knows about the provider behind an endpoint (from the presets): for hints, OAuth and the rate limiter.</summary>
/// <param name="Id">The preset's id, e.g. <c>gmail</c>.</param>
/// <param name="Name">The provider's display name.</param>
/// <param name="OAuthRequired">The provider accepts only OAuth 2.0 for SMTP (Outlook.com).</param>
/// <param name="UserNameNote">The provider's user-name convention in words, if documented.</param>
/// <param name="PasswordNote">What the provider wants as password, in words, if documented.</param>
internal sealed record SmtpProviderContext(string Id, string Name, bool OAuthRequired, string? UserNameNote, string? PasswordNote)
{
    /// <summary>Gets a value indicating whether the user name is itself a secret (Postmark's server token), so it is never displayed.</summary>
    public bool UserNameIsSecret { get; init; }

    /// <summary>Gets the pool settings the preset chose (e.g. <c>maxMessagesPerConnection=5000</c>), for the log.</summary>
    public IReadOnlyList<string> AppliedLimits { get; init; } = [];

    /// <summary>Gets the documented send rate per second, applied to the rate limiter unless the user set one.</summary>
    public int? MaxMessagesPerSecond { get; init; }

    /// <summary>Gets the documented send rate per minute, applied to the rate limiter unless the user set one.</summary>
    public int? MaxMessagesPerMinute { get; init; }
}
