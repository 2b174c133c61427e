namespace MailSender;

/// <summary>What an <see cref="IEmailTransportFactory"/> is given besides the URI: the sender the transport is for.</summary>
public sealed class EmailTransportContext
{
    /// <summary>Initializes a new instance of the <see cref="EmailTransportContext"/> class.</summary>
    /// <param name="senderName">The sender's name (<see cref="string.Empty"/> for the default sender).</param>
    /// <param name="options">The sender's options.</param>
    public EmailTransportContext(string senderName, MailSenderOptions options)
    {
        ArgumentNullException.ThrowIfNull(senderName);
        ArgumentNullException.ThrowIfNull(options);
        SenderName = senderName;
        Options = options;
    }

    /// <summary>Gets the sender's name (<see cref="string.Empty"/> for the default sender), e.g. to read named options or keyed services of its own.</summary>
    public string SenderName { get; }

    /// <summary>Gets the sender's options: a transport reads the section that applies to it (e.g. <see cref="MailSenderOptions.Smtp"/>).</summary>
    public MailSenderOptions Options { get; }
}
