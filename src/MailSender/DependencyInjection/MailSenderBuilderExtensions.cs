using Microsoft.Extensions.DependencyInjection;

namespace MailSender;

/// <summary>
/// Further configuration steps for a sender registered with <c>AddMailSender</c>.
/// </summary>
public static class MailSenderBuilderExtensions
{
    /// <summary>Sends through a transport you create in code instead of the <c>Transport</c> URI.</summary>
    /// <param name="builder">The sender's builder.</param>
    /// <param name="factory">Creates the transport; it is registered as a keyed singleton owned by the container.</param>
    /// <returns>The builder.</returns>
    public static IMailSenderBuilder UseTransport(this IMailSenderBuilder builder, Func<IServiceProvider, IEmailTransport> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddKeyedSingleton(builder.Name, (provider, _) => factory(provider));
        return builder;
    }

    /// <summary>Sets more options for this sender.</summary>
    /// <param name="builder">The sender's builder.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The builder.</returns>
    public static IMailSenderBuilder Configure(this IMailSenderBuilder builder, Action<MailSenderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure(builder.Name, configure);
        return builder;
    }
}
