namespace MailSender;

/// <summary>
/// Creates transports for the URI schemes it knows, so a transport can be chosen by configuration
/// (<c>"Transport": "myscheme://..."</c>). Register implementations in the service collection.
/// </summary>
public interface IEmailTransportFactory
{
    /// <summary>Gets the URI schemes this factory handles, e.g. <c>smtp</c> and <c>smtps</c>.</summary>
    IReadOnlyCollection<string> Schemes { get; }

    /// <summary>Creates a transport for <paramref name="uri"/>.</summary>
    /// <param name="uri">The parsed transport URI; its scheme is one of <see cref="Schemes"/>.</param>
    /// <param name="options">The options of the sender the transport is for.</param>
    /// <returns>A transport. If it implements <see cref="IAsyncDisposable"/>, the sender disposes it.</returns>
    /// <exception cref="EmailSendException">The URI or options are invalid (<see cref="EmailErrorKind.Configuration"/>).</exception>
    IEmailTransport Create(TransportUri uri, MailSenderOptions options);
}
