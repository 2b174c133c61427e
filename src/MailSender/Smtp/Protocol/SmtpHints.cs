namespace MailSender.Smtp.Protocol;

/// <summary>Advice in plain words for the failures people meet most.</summary>
internal static class SmtpHints
{
    public const string Port25Blocked = "Outbound port 25 is blocked by many ISPs and cloud providers; use port 587 (STARTTLS) or 465 (implicit TLS) of your provider instead.";

    /// <summary>Says what to do about a reply, in the words of the provider behind the endpoint when the presets know it.</summary>
    public static string? ForReply(int code, string? enhanced, string? text, SmtpEndpoint endpoint) =>
        ForProvider(code, enhanced, endpoint) ?? ForReply(code, enhanced, text);

    /// <summary>The hint for a server or provider that accepts only OAuth 2.0 when none is configured.</summary>
    public static string OAuthNeeded(string provider) =>
        $"{provider} accepts only OAuth 2.0 for SMTP; passwords and app passwords are refused. Configure an access-token provider (services.AddMailSender(...).UseAccessTokenProvider(...); see docs/providers.md#oauth-20).";
    public const string StartTlsStripped = "Something between this machine and the server (a firewall, an antivirus proxy or an attacker) may be removing STARTTLS from the server's reply. Nothing was sent and no credentials were written; check the network path.";

    public const string StartTlsNotOffered = "The server offered no STARTTLS on this port, so mail and passwords would travel unencrypted: use port 587 (STARTTLS) or 465 (implicit TLS) of your provider; plain text only for a trusted local relay (security=none).";

    public const string AuthNotOffered = "The server offers no AUTH here: it may offer it only after STARTTLS, or only on its submission port (587 or 465); a relay that trusts your IP address needs no user name.";

    public const string CertificateNameMismatch = "Connect with the host name the certificate was issued for (see its subject), not an alias or an IP address.";

    public const string CertificateExpired = "The server's certificate has expired (or is not valid yet): its administrator must renew it; check this machine's clock too.";

    public const string CertificateUntrusted = "For a private or self-signed server, trust its CA with caFile=PATH (MailSender:Smtp:Tls:TrustedCaFile) or pin it with thumbprint=SHA256 (MailSender:Smtp:Tls:TrustedCertificateThumbprint). Validation is never turned off.";

    /// <summary>Returns advice for a certificate problem worded by <see cref="CertificateValidator"/>.</summary>
    public static string ForCertificate(string problem) =>
        problem.Contains("name", StringComparison.Ordinal) ? CertificateNameMismatch
        : problem.Contains("expired", StringComparison.Ordinal) ? CertificateExpired
        : CertificateUntrusted;

    public static string? ForReply(int code, string? enhanced, string? text)
    {
        var lower = text?.ToLowerInvariant() ?? string.Empty;
        return (code, enhanced) switch
        {
            (_, "5.7.139") => "Microsoft 365 has SMTP AUTH disabled for this tenant or mailbox; enable Authenticated SMTP for the mailbox, or use OAuth.",
            (534, _) or (_, "5.7.9") => "The server wants a stronger sign-in: for Gmail, turn on 2-step verification and use an app password (or OAuth).",
            (535, _) or (_, "5.7.8") => "The user name or password was refused. Check them; Gmail, Yahoo and iCloud need an app password, SendGrid's user name is the literal 'apikey'.",
            (530, _) => "The server requires STARTTLS or authentication before this command: use security=starttls (port 587) or smtps:// (port 465) and give credentials.",
            (454, _) when lower.Contains("login", StringComparison.Ordinal) || lower.Contains("auth", StringComparison.Ordinal) => "Too many login attempts: the server is throttling authentication. Wait before retrying, and reuse connections instead of logging in for every message.",
            (454, _) => "The server cannot offer TLS or authentication right now; try again later.",
            (421, _) => "The server is closing the connection (busy, rate limited or shutting down); try again later.",
            (450 or 451, _) when lower.Contains("grey", StringComparison.Ordinal) || lower.Contains("gray", StringComparison.Ordinal) => "The server is greylisting: it accepts the same message when it is retried after a few minutes.",
            (452, _) or (_, "4.5.3") => "The server accepts no more recipients in this message, or is short of storage; send the rest in another message or later.",
            (552, _) or (_, "5.3.4") => "The message is larger than the server accepts; send attachments as links, or compress them.",
            (550 or 551 or 553, _) when enhanced is "5.1.1" or "5.1.10" => "The recipient's mailbox does not exist; check the address.",
            (550 or 553, _) when enhanced is "5.7.1" && lower.Contains("sender", StringComparison.Ordinal) => "The sender address is not allowed: use a From address your account or verified domain may send as.",
            (_, "5.7.1") or (554, "5.7.0") => "The server refused the message by policy (relaying denied, spam or reputation); check that you are authenticated and that SPF/DKIM are set up for your domain.",
            (>= 400 and < 500, _) => "The server reported a temporary failure; retrying later may succeed.",
            _ => null,
        };
    }

    /// <summary>The provider's own advice for refused credentials (from the preset data); the SMTP code never names a provider.</summary>
    private static string? ForProvider(int code, string? enhanced, SmtpEndpoint endpoint)
    {
        if (!IsAuthenticationFailure(code, enhanced))
        {
            return null;
        }

        if (endpoint.Credentials?.Tokens is not null)
        {
            // Whatever the server, a refusal of a token is about the token, not a password.
            return $"{endpoint.Provider?.Name ?? "The server"} refused the OAuth 2.0 access token for '{endpoint.DisplayUserName}': it may be expired, issued for another user, or lack the SMTP scope (Microsoft 365: https://outlook.office365.com/SMTP.Send; Google: https://mail.google.com/).";
        }

        if (endpoint.Provider is not { } provider)
        {
            return null;
        }

        return provider.OAuthRequired ? OAuthNeeded(provider.Name) : provider.AuthHint(code, enhanced);
    }

    private static bool IsAuthenticationFailure(int code, string? enhanced) =>
        code is 534 or 535 || enhanced is "5.7.8" or "5.7.9" or "5.7.139" or "5.7.30";
}
