using System.Net.Sockets;
using MailKit.Security;

namespace MailSender.Smtp.Protocol;

/// <summary>Prepares OAuth 2.0 authentication: a token from the provider, in <c>OAUTHBEARER</c> (RFC 7628) when offered, else <c>XOAUTH2</c>.</summary>
internal static class OAuthAuthenticator
{
    private static readonly string[] OAuthMechanisms = ["OAUTHBEARER", "XOAUTH2"];

    /// <summary>Gets a token from the provider and returns the SASL mechanism that carries it.</summary>
    /// <exception cref="EmailSendException">The server offers no OAuth mechanism, or the token provider failed or returned nothing (transient <see cref="EmailErrorKind.ConnectionFailed"/> or <see cref="EmailErrorKind.Timeout"/> when its token service was unreachable).</exception>
    public static async Task<SaslMechanism> CreateMechanismAsync(SmtpSession session, ISmtpAccessTokenProvider tokens, string userName, CancellationToken cancellationToken)
    {
        var endpoint = session.Endpoint;
        var mechanisms = session.Client.AuthenticationMechanisms;
        var mechanism = Array.Find(OAuthMechanisms, mechanisms.Contains)
            ?? throw new EmailSendException(EmailErrorKind.AuthenticationFailed, $"{endpoint.Address} offers no OAuth 2.0 mechanism (OAUTHBEARER or XOAUTH2), only {string.Join(", ", mechanisms)}, but an access-token provider is configured.")
            {
                Transport = endpoint.DisplayName,
                Hint = "Use the provider's OAuth-capable submission endpoint, or remove the access-token provider and authenticate with a password.",
            };

        string token;
        try
        {
            token = await tokens.GetAccessTokenAsync(new SmtpTokenContext(endpoint.Host, endpoint.Port, userName, endpoint.Provider?.Id), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
        {
            // The token service was down or slow, not the credentials wrong: retrying can help.
            var kind = ex is TimeoutException or OperationCanceledException ? EmailErrorKind.Timeout : EmailErrorKind.ConnectionFailed;
            throw new EmailSendException(kind, $"The access-token provider could not reach its token service for user '{endpoint.DisplayUserName}' at {endpoint.Address}: {ex.GetType().Name}: {ex.Message}", ex)
            {
                IsTransient = true,
                Transport = endpoint.DisplayName,
                Hint = $"{TokenService(endpoint, tokens)} did not answer (network failure or timeout); this is usually temporary. If it persists, check DNS, proxy and firewall access to it.",
            };
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException or EmailSendException))
        {
            throw new EmailSendException(EmailErrorKind.AuthenticationFailed, $"The access-token provider failed to give a token for user '{endpoint.DisplayUserName}' at {endpoint.Address}: {ex.GetType().Name}: {ex.Message}", ex)
            {
                Transport = endpoint.DisplayName,
                Hint = "Check the token provider's configuration (client id, tenant, refresh token, scope).",
            };
        }

        if (string.IsNullOrWhiteSpace(token))
        {
            throw new EmailSendException(EmailErrorKind.AuthenticationFailed, $"The access-token provider returned an empty token for user '{endpoint.DisplayUserName}' at {endpoint.Address}.")
            {
                Transport = endpoint.DisplayName,
            };
        }

        session.Secrets.Add(token);
        return mechanism == "OAUTHBEARER" ? new SaslMechanismOAuthBearer(userName, token) : new SaslMechanismOAuth2(userName, token);
    }

    /// <summary>Network and timeout failures of the token provider; a cancellation counts only when the caller did not cancel.</summary>
    private static bool IsUnreachable(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        HttpRequestException or SocketException or IOException or TimeoutException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    /// <summary>Names the token service for the hint: the identity provider's endpoint for presets that use OAuth, else the provider's type.</summary>
    private static string TokenService(SmtpEndpoint endpoint, ISmtpAccessTokenProvider tokens) =>
        endpoint.Provider?.TokenService is { } service
            ? $"{service} (used by {tokens.GetType().Name})"
            : $"The token service of the access-token provider ({tokens.GetType().Name})";
}
