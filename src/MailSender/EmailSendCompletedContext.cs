using MimeKit;

namespace MailSender;

/// <summary>The outcome of one send, given to each <see cref="IEmailObserver"/>.</summary>
public sealed class EmailSendCompletedContext
{
    /// <summary>Initializes a new instance of the <see cref="EmailSendCompletedContext"/> class.</summary>
    /// <param name="senderName">The sender's name.</param>
    /// <param name="message">The message.</param>
    /// <param name="envelope">The envelope it was sent with, or <see langword="null"/> when it failed before one was built.</param>
    /// <param name="outcome">How the send ended.</param>
    /// <param name="result">The result, when the message was sent.</param>
    /// <param name="exception">The failure, when it was not.</param>
    /// <param name="elapsed">How long the send took, retries included.</param>
    public EmailSendCompletedContext(string senderName, MimeMessage message, MailEnvelope? envelope, EmailSendOutcome outcome, SendResult? result, Exception? exception, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(senderName);
        ArgumentNullException.ThrowIfNull(message);
        SenderName = senderName;
        Message = message;
        Envelope = envelope;
        Outcome = outcome;
        Result = result;
        Exception = exception;
        Elapsed = elapsed;
    }

    /// <summary>Gets the name of the sender (<see cref="string.Empty"/> for the default sender).</summary>
    public string SenderName { get; }

    /// <summary>Gets the message as it was sent (after the interceptors), or as far as it got.</summary>
    public MimeMessage Message { get; }

    /// <summary>Gets the envelope the message was sent with, or <see langword="null"/> when it failed before one was built (an invalid message).</summary>
    public MailEnvelope? Envelope { get; }

    /// <summary>Gets how the send ended.</summary>
    public EmailSendOutcome Outcome { get; }

    /// <summary>Gets the result (accepted and refused recipients, the server's reply) when <see cref="Outcome"/> is <see cref="EmailSendOutcome.Sent"/>.</summary>
    public SendResult? Result { get; }

    /// <summary>Gets the failure (usually an <see cref="EmailSendException"/>; an <see cref="OperationCanceledException"/> when cancelled) unless the message was sent.</summary>
    public Exception? Exception { get; }

    /// <summary>Gets how long the send took, interceptors and retries included.</summary>
    public TimeSpan Elapsed { get; }
}
