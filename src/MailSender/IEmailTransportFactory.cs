namespace MailSender;

/// <summary>
/// Creates transports for the URI schemes it knows, so a transport can be chosen by configuration
/// (<c>"Transport": "myscheme://..."</c>). Register implementations in the service collection with
/// <c>TryAddEnumerable(ServiceDescriptor.Singleton&lt;IEmailTransportFactory, MyFactory&gt;())</c>.
/// </summary>
/// <remarks>
/// A factory is used in two steps: <see cref="Validate"/> when the options are validated at start-up, which must have no
/// side effect (no connection, file, timer or metric), and <see cref="Create"/> once, when the sender is first used.
/// </remarks>
public interface IEmailTransportFactory
{
    /// <summary>Gets the URI schemes this factory handles, e.g. <c>smtp</c> and <c>smtps</c>.</summary>
    IReadOnlyCollection<string> Schemes { get; }

    /// <summary>Checks <paramref name="uri"/> and the options without creating anything.</summary>
    /// <param name="uri">The parsed transport URI; its scheme is one of <see cref="Schemes"/>.</param>
    /// <param name="context">The sender the transport would be for.</param>
    /// <exception cref="EmailSendException">The URI or options are invalid (<see cref="EmailErrorKind.Configuration"/>); the message names the bad part.</exception>
    void Validate(TransportUri uri, EmailTransportContext context);

    /// <summary>Creates a transport for <paramref name="uri"/>.</summary>
    /// <param name="uri">The parsed transport URI; its scheme is one of <see cref="Schemes"/>.</param>
    /// <param name="context">The sender the transport is for.</param>
    /// <returns>A transport. If it implements <see cref="IAsyncDisposable"/>, the sender disposes it.</returns>
    /// <exception cref="EmailSendException">The URI or options are invalid (<see cref="EmailErrorKind.Configuration"/>).</exception>
    IEmailTransport Create(TransportUri uri, EmailTransportContext context);
}
