namespace MailSender;

/// <summary>Creates and checks the signed tokens of one-click unsubscribe links.</summary>
public interface IUnsubscribeTokens
{
    /// <summary>Creates the token that unsubscribes <paramref name="address"/> from <paramref name="list"/>.</summary>
    /// <param name="address">The recipient's address.</param>
    /// <param name="list">The list's identifier (the content of its <c>List-Id</c> header, e.g. <c>news.example.com</c>).</param>
    string CreateToken(string address, string list);

    /// <summary>Checks a token: its signature, its key and its expiry. Never throws for a bad token.</summary>
    /// <param name="token">The token from the unsubscribe URL or mail.</param>
    UnsubscribeTokenValidation Validate(string? token);

    /// <summary>The <c>List-Unsubscribe</c> header value for <paramref name="address"/> on <paramref name="list"/>: the HTTPS URL, then the mailto one when configured.</summary>
    /// <param name="address">The recipient's address.</param>
    /// <param name="list">The list's identifier.</param>
    string CreateHeaderValue(string address, string list);
}
