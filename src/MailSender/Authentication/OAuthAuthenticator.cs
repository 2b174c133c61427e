using System.Net.Sockets;
using MailKit.Security;
using MailSender.Smtp;

namespace MailSender.Authentication;

/// <summary>Authenticates an SMTP connection with an OAuth 2.0 access token: <c>OAUTHBEARER</c> (RFC 7628) when offered, else <c>XOAUTH2</c>.</summary>
internal static class OAuthAuthenticator
{
    private static readonly string[] OAuthMechanisms = ["OAUTHBEARER", "XOAUTH2"];

    /// <summary>Gets a token from the provider and authenticates with it.</summary>
    /// <exception cref="EmailSendException">The server offers no OAuth mechanism, or the token provider failed or returned nothing (transient <see cref="EmailErrorKind.ConnectionFailed"/> or <see cref="EmailErrorKind.Timeout"/> when its token service was unreachable).</exception>
    public static async Task AuthenticateAsync(RecordingSmtpClient client, SmtpTransportSettings settings, ISmtpAccessTokenProvider tokens, string userName, CancellationToken cancellationToken)
    {
        var endpoint = $"{settings.Host}:{settings.Port}";
        var mechanism = Array.Find(OAuthMechanisms, client.AuthenticationMechanisms.Contains)
            ?? throw new EmailSendException(EmailErrorKind.AuthenticationFailed, $"{endpoint} offers no OAuth 2.0 mechanism (OAUTHBEARER or XOAUTH2), only {string.Join(", ", client.AuthenticationMechanisms)}, but an access-token provider is configured.")
            {
                IsTransient = false,
                Transport = settings.DisplayName,
                Hint = "Use the provider's OAuth-capable submission endpoint, or remove the access-token provider and authenticate with a password.",
            };

        string token;
        try
        {
            token = await tokens.GetAccessTokenAsync(new SmtpTokenContext(settings.Host, settings.Port, userName, settings.Provider?.Id), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
        {
            // The token service was down or slow, not the credentials wrong: retrying can help.
            var kind = ex is TimeoutException or OperationCanceledException ? EmailErrorKind.Timeout : EmailErrorKind.ConnectionFailed;
            throw new EmailSendException(kind, $"The access-token provider could not reach its token service for user '{settings.DisplayUserName}' at {endpoint}: {ex.GetType().Name}: {ex.Message}", ex)
            {
                IsTransient = true,
                Transport = settings.DisplayName,
                Hint = $"{TokenService(settings, tokens)} did not answer (network failure or timeout); this is usually temporary. If it persists, check DNS, proxy and firewall access to it.",
            };
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException or EmailSendException))
        {
            throw new EmailSendException(EmailErrorKind.AuthenticationFailed, $"The access-token provider failed to give a token for user '{settings.DisplayUserName}' at {endpoint}: {ex.GetType().Name}: {ex.Message}", ex)
            {
                IsTransient = false,
                Transport = settings.DisplayName,
                Hint = "Check the token provider's configuration (client id, tenant, refresh token, scope).",
            };
        }

        if (string.IsNullOrWhiteSpace(token))
        {
            throw new EmailSendException(EmailErrorKind.AuthenticationFailed, $"The access-token provider returned an empty token for user '{settings.DisplayUserName}' at {endpoint}.")
            {
                IsTransient = false,
                Transport = settings.DisplayName,
            };
        }

        SaslMechanism sasl = mechanism == "OAUTHBEARER" ? new SaslMechanismOAuthBearer(userName, token) : new SaslMechanismOAuth2(userName, token);
        await client.AuthenticateAsync(sasl, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Network and timeout failures of the token provider; a cancellation counts only when the caller did not cancel.</summary>
    private static bool IsUnreachable(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        HttpRequestException or SocketException or IOException or TimeoutException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    /// <summary>Names the token service for the hint: the identity provider's well-known endpoint for presets that use OAuth, else the provider's type.</summary>
    private static string TokenService(SmtpTransportSettings settings, ISmtpAccessTokenProvider tokens) => settings.Provider?.Id switch
    {
        "microsoft365" or "outlook" => $"The Microsoft identity platform (login.microsoftonline.com, used by {tokens.GetType().Name})",
        "gmail" or "google-workspace" => $"Google's OAuth 2.0 token service (oauth2.googleapis.com, used by {tokens.GetType().Name})",
        _ => $"The token service of the access-token provider ({tokens.GetType().Name})",
    };

    /// <summary>Fails clearly when a server offers only OAuth and no access-token provider is configured (Outlook.com), instead of MailKit's "no compatible mechanism".</summary>
    public static void ThrowIfOnlyOAuthOffered(RecordingSmtpClient client, SmtpTransportSettings settings)
    {
        if (client.AuthenticationMechanisms.Count == 0 || !client.AuthenticationMechanisms.All(m => OAuthMechanisms.Contains(m, StringComparer.OrdinalIgnoreCase)))
        {
            return;
        }

        throw new EmailSendException(EmailErrorKind.AuthenticationFailed, $"{settings.Host}:{settings.Port} accepts only OAuth 2.0 ({string.Join(", ", client.AuthenticationMechanisms)}), and no access-token provider is configured.")
        {
            IsTransient = false,
            Transport = settings.DisplayName,
            Hint = SmtpHints.OAuthNeeded(settings.Provider?.Name ?? "This server"),
        };
    }
}
