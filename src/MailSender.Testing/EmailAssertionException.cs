namespace MailSender.Testing;

/// <summary>
/// Thrown by the assertion helpers of <see cref="InMemoryEmailTransport"/> when the expected message was not sent.
/// </summary>
public sealed class EmailAssertionException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="EmailAssertionException"/> class.</summary>
    /// <param name="message">What was expected and what was sent.</param>
    public EmailAssertionException(string message)
        : base(message)
    {
    }
}
