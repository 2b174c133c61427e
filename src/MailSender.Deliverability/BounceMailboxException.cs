namespace MailSender.Deliverability;

/// <summary>The bounce mailbox could not be read: the server could not be reached, refused the login, or has no such folder. The message names which; it never holds the password.</summary>
public sealed class BounceMailboxException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, in plain words.</param>
    /// <param name="innerException">The underlying error.</param>
    public BounceMailboxException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
