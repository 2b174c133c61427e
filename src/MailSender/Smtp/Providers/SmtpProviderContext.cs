namespace MailSender.Smtp.Providers;

/// <summary>What the SMTP code knows about the provider behind an endpoint, all of it from the preset data: for hints and OAuth.</summary>
/// <param name="Id">The preset's id, e.g. <c>gmail</c>.</param>
/// <param name="Name">The provider's display name.</param>
internal sealed record SmtpProviderContext(string Id, string Name)
{
    /// <summary>Gets a value indicating whether the provider accepts only OAuth 2.0 for SMTP (Outlook.com).</summary>
    public bool OAuthRequired { get; init; }

    /// <summary>Gets the provider's user-name convention in words, if documented.</summary>
    public string? UserNameNote { get; init; }

    /// <summary>Gets what the provider wants as password, in words, if documented.</summary>
    public string? PasswordNote { get; init; }

    /// <summary>Gets a value indicating whether the user name is itself a secret (Postmark's server token), so it is never displayed.</summary>
    public bool UserNameIsSecret { get; init; }

    /// <summary>Gets the name of the provider's OAuth 2.0 token service, for the hint when it cannot be reached.</summary>
    public string? TokenService { get; init; }

    /// <summary>Gets the provider's advice for refused credentials, by reply code and enhanced status code.</summary>
    public IReadOnlyList<AuthHintEntry> AuthHints { get; init; } = [];

    /// <summary>Returns the provider's advice for a refusal of the credentials, or <see langword="null"/>.</summary>
    public string? AuthHint(int code, string? enhanced)
    {
        foreach (var hint in AuthHints)
        {
            if ((hint.Code is null || hint.Code == code) && (hint.Enhanced is null || hint.Enhanced == enhanced))
            {
                return hint.Text;
            }
        }

        return UserNameNote is not null || PasswordNote is not null
            ? $"{Name} refused the credentials. User name: {UserNameNote ?? "see the provider's documentation"}. Password: {PasswordNote ?? "see the provider's documentation"}."
            : null;
    }
}
