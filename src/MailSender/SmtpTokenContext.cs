namespace MailSender;

/// <summary>What an <see cref="ISmtpAccessTokenProvider"/> is asked a token for: the SMTP server and the user.</summary>
public sealed class SmtpTokenContext
{
    /// <summary>Initializes a new instance of the <see cref="SmtpTokenContext"/> class.</summary>
    /// <param name="host">The SMTP server's host name.</param>
    /// <param name="port">The SMTP server's port.</param>
    /// <param name="userName">The user (mailbox) the token must be for.</param>
    /// <param name="providerId">The preset's id (e.g. <c>microsoft365</c>), or <see langword="null"/> when the server matches no preset.</param>
    public SmtpTokenContext(string host, int port, string userName, string? providerId)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(userName);
        Host = host;
        Port = port;
        UserName = userName;
        ProviderId = providerId;
    }

    /// <summary>Gets the SMTP server's host name, e.g. <c>smtp.office365.com</c>.</summary>
    public string Host { get; }

    /// <summary>Gets the SMTP server's port.</summary>
    public int Port { get; }

    /// <summary>Gets the user (mailbox) the token must be for.</summary>
    public string UserName { get; }

    /// <summary>Gets the provider preset's id (e.g. <c>microsoft365</c>, <c>gmail</c>), or <see langword="null"/> when the server matches no preset; use it to pick the scope.</summary>
    public string? ProviderId { get; }
}
