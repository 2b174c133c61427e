namespace MailSender.Smtp.Providers;

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

    /// <summary>
    /// Gets the security of the preset's endpoint on <paramref name="port"/>: the recommended one, else a documented alternative
    /// (on <paramref name="host"/> first), else <see cref="SmtpSecurity.Auto"/> for a port the preset does not document.
    /// </summary>
    /// <remarks>A port override must not keep the recommended port's security: Gmail's 587 is STARTTLS, not the implicit TLS of 465.</remarks>
    public static SmtpSecurity SecurityForPort(ProviderEntry preset, string? host, int port)
    {
        if (port == preset.Port)
        {
            return Security(preset.Security);
        }

        var endpoint = preset.Endpoints.FirstOrDefault(e => e.Port == port && string.Equals(e.Host, host, StringComparison.OrdinalIgnoreCase))
            ?? preset.Endpoints.FirstOrDefault(e => e.Port == port);
        return endpoint is null ? SmtpSecurity.Auto : Security(endpoint.Security);
    }

    /// <summary>Gets what the SMTP code needs of a preset: its name, OAuth requirement, credential conventions and hints.</summary>
    public static SmtpProviderContext Context(ProviderEntry preset) => new(preset.Id, preset.Name)
    {
        OAuthRequired = preset.OAuth == "required",
        UserNameNote = preset.UserNameNote,
        PasswordNote = preset.PasswordNote,
        UserNameIsSecret = preset.PasswordIsUserName,
        TokenService = preset.TokenService,
        AuthHints = preset.AuthHints,
    };
}
