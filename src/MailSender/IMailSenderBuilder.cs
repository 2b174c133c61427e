using Microsoft.Extensions.DependencyInjection;

namespace MailSender;

/// <summary>
/// Returned by <c>AddMailSender</c> to configure one named sender further; every step is an extension method that returns the builder.
/// </summary>
public interface IMailSenderBuilder
{
    /// <summary>Gets the sender's name (<see cref="string.Empty"/> for the default sender).</summary>
    string Name { get; }

    /// <summary>Gets the service collection the sender is registered in.</summary>
    IServiceCollection Services { get; }
}
