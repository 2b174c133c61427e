namespace MailSender;

/// <summary>
/// Gives the named senders registered with <c>AddMailSender(name, ...)</c>, e.g. "transactional" and "bulk".
/// </summary>
/// <remarks>Named senders can also be injected as keyed services: <c>[FromKeyedServices("bulk")] IEmailSender sender</c>.</remarks>
public interface IEmailSenderFactory
{
    /// <summary>Gets the sender registered under <paramref name="name"/>; the same instance every time.</summary>
    /// <param name="name">The sender's name; <see cref="string.Empty"/> for the default sender.</param>
    /// <returns>The sender.</returns>
    /// <exception cref="InvalidOperationException">No sender with that name is registered.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The sender's options are invalid.</exception>
    IEmailSender GetSender(string name);
}
