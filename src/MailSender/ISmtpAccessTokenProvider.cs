namespace MailSender;

/// <summary>
/// Supplies OAuth 2.0 access tokens for SMTP authentication (SASL <c>OAUTHBEARER</c> or <c>XOAUTH2</c>), e.g. from MSAL or Google's auth library.
/// </summary>
/// <remarks>
/// Called once for each new SMTP connection (a pooled connection is reused without a new token), so return a fresh or
/// cached-but-valid token each time: the token library's own cache and refresh logic belongs here. Register it for one
/// sender with <c>UseAccessTokenProvider</c>, or register one <see cref="ISmtpAccessTokenProvider"/> in the service
/// collection for every sender that has no password. Tokens are never logged, put in exceptions, or kept from server replies.
/// </remarks>
public interface ISmtpAccessTokenProvider
{
    /// <summary>Gets an access token for the connection described by <paramref name="context"/>.</summary>
    /// <param name="context">The server and user the token is for.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The bare access token (without <c>Bearer</c>).</returns>
    ValueTask<string> GetAccessTokenAsync(SmtpTokenContext context, CancellationToken cancellationToken = default);
}
