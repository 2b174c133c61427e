using MailSender.Smtp;

namespace MailSender.Providers;

/// <summary>Turns a preset into what the SMTP code uses: its security mode and its provider context.</summary>
internal static class ProviderPresets
{
    /// <summary>Maps the data file's security spelling (<c>implicitTls</c>, <c>startTls</c>, <c>none</c>) to <see cref="SmtpSecurity"/>.</summary>
    public static SmtpSecurity Security(string text) => text switch
    {
        "implicitTls" => SmtpSecurity.Implicit,
        "startTls" => SmtpSecurity.StartTls,
        "none" => SmtpSecurity.None,
        _ => throw new InvalidOperationException($"providers.json: unknown security '{text}'."),
    };

    /// <summary>Maps <see cref="SmtpSecurity"/> back to the data file's (and the CLI's) spelling.</summary>
    public static string SecurityName(SmtpSecurity security) => security switch
    {
        SmtpSecurity.Implicit => "implicitTls",
        SmtpSecurity.StartTls => "startTls",
        SmtpSecurity.None => "none",
        _ => "auto",
    };

    /// <summary>Gets the provider context for hints and OAuth; with <paramref name="withLimits"/>, also the documented send rate for the rate limiter.</summary>
    public static SmtpProviderContext Context(ProviderEntry preset, bool withLimits) =>
        new(preset.Id, preset.Name, preset.OAuth == "required", preset.UserNameNote, preset.PasswordNote)
        {
            UserNameIsSecret = preset.PasswordIsUserName,
            MaxMessagesPerSecond = withLimits ? preset.Limits.MessagesPerSecond : null,
            MaxMessagesPerMinute = withLimits ? preset.Limits.MessagesPerMinute : null,
        };
}
