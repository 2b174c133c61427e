using MimeKit;

namespace MailSender;

/// <summary>The message an <see cref="IEmailInterceptor"/> may inspect, change or veto before it is sent.</summary>
public sealed class EmailSendingContext
{
    private readonly MailEnvelope _initialEnvelope;
    private MailEnvelope _envelope;

    /// <summary>Initializes a new instance of the <see cref="EmailSendingContext"/> class.</summary>
    /// <param name="senderName">The sender's name (<see cref="string.Empty"/> for the default sender).</param>
    /// <param name="message">The message, already checked, with its From and Message-Id filled in.</param>
    /// <param name="envelope">The envelope the message would be sent with.</param>
    public EmailSendingContext(string senderName, MimeMessage message, MailEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(senderName);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(envelope);
        SenderName = senderName;
        Message = message;
        _initialEnvelope = envelope;
        _envelope = envelope;
    }

    /// <summary>Gets the name of the sender that sends the message (<see cref="string.Empty"/> for the default sender).</summary>
    public string SenderName { get; }

    /// <summary>Gets the message. Changes to it (headers, body, recipients) are what is sent; it is checked again after the interceptors ran.</summary>
    public MimeMessage Message { get; }

    /// <summary>Gets or sets who the message is sent to (<c>MAIL FROM</c>, <c>RCPT TO</c>).</summary>
    /// <value>
    /// Computed from the message's From, Sender, To, Cc and Bcc (or the envelope the caller gave). While it is not
    /// replaced, changes to the message's recipient headers take effect; set it to send to other recipients than the
    /// headers name (the headers are then sent as they are).
    /// </value>
    public MailEnvelope Envelope
    {
        get => _envelope;
        set => _envelope = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Gets a value indicating whether an interceptor vetoed the message.</summary>
    public bool IsVetoed => VetoReason is not null;

    /// <summary>Gets why the message was vetoed, or <see langword="null"/>.</summary>
    public string? VetoReason { get; private set; }

    /// <summary>Gets a value indicating whether an interceptor replaced <see cref="Envelope"/>.</summary>
    internal bool EnvelopeReplaced => !ReferenceEquals(_envelope, _initialEnvelope);

    /// <summary>
    /// Stops the send: no later interceptor runs, nothing is sent, and <c>SendAsync</c> throws an
    /// <see cref="EmailSendException"/> of kind <see cref="EmailErrorKind.Vetoed"/> whose message holds <paramref name="reason"/>.
    /// </summary>
    /// <param name="reason">Why, in words a developer reading the exception understands (free of secrets).</param>
    public void Veto(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        VetoReason = reason;
    }

    /// <summary>Gets who vetoed, when a built-in interceptor did (else the interceptor's type names it).</summary>
    internal string? VetoedBy { get; private set; }

    /// <summary>Gets advice for the exception of a built-in veto.</summary>
    internal string? VetoHint { get; private set; }

    /// <summary>The suppression-list entry behind a veto of the suppression check, so a bulk send can report it as such.</summary>
    internal EmailSuppression? VetoSuppression { get; set; }

    /// <summary>A veto by a built-in interceptor, which names itself by its setting and says how to fix it.</summary>
    internal void Veto(string reason, string by, string hint)
    {
        Veto(reason);
        VetoedBy = by;
        VetoHint = hint;
    }
}
