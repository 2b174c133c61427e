using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using IdentityUiEmailSender = Microsoft.AspNetCore.Identity.UI.Services.IEmailSender;

namespace MailSender.AspNetCore.Identity;

/// <summary>
/// Sends ASP.NET Core Identity's e-mails through a sender registered with <c>AddMailSender</c>.
/// </summary>
public static class MailSenderIdentityBuilderExtensions
{
    /// <summary>
    /// Registers this sender as ASP.NET Core Identity's <see cref="Microsoft.AspNetCore.Identity.IEmailSender{TUser}"/>
    /// (used by <c>MapIdentityApi</c>) and <see cref="Microsoft.AspNetCore.Identity.UI.Services.IEmailSender"/> (used by the Identity UI pages).
    /// </summary>
    /// <typeparam name="TUser">The application's user type, e.g. <c>IdentityUser</c>.</typeparam>
    /// <param name="builder">The builder returned by <c>AddMailSender</c>; its sender (default or named) sends Identity's messages.</param>
    /// <returns>The builder.</returns>
    /// <remarks>
    /// Replaces any earlier registration of either interface, such as Identity's default that sends nothing, whichever is
    /// registered first. Messages have a plain-text and an HTML body; the <c>From</c> is the sender's <c>DefaultFrom</c>,
    /// which start-up validation then requires.
    /// Links may be passed HTML-encoded (as Identity does) or raw: they are encoded exactly once in the HTML body and decoded in the text body.
    /// </remarks>
    public static IMailSenderBuilder AddIdentityEmailSender<TUser>(this IMailSenderBuilder builder)
        where TUser : class
    {
        ArgumentNullException.ThrowIfNull(builder);

        var services = builder.Services;
        var name = builder.Name;
        // RemoveAll removes the unkeyed registrations only (ServiceKey null); an application's keyed senders stay.
        services.RemoveAll<Microsoft.AspNetCore.Identity.IEmailSender<TUser>>();
        services.RemoveAll<IdentityUiEmailSender>();

        // Identity's messages carry no From: without DefaultFrom every one would fail, so fail at start-up instead.
        var setting = name.Length == 0 ? "MailSender:DefaultFrom" : $"MailSender[{name}]:DefaultFrom";
        services.AddOptions<MailSenderOptions>(name).Validate(
            options => !string.IsNullOrWhiteSpace(options.DefaultFrom),
            $"{setting} is required by AddIdentityEmailSender: ASP.NET Core Identity's e-mails are sent from it (e.g. \"App <app@example.com>\").");

        // One instance serves both interfaces; it resolves MailSender's sender by name on first use.
        services.AddSingleton(provider => new IdentityEmailSender<TUser>(provider.GetRequiredService<IEmailSenderFactory>(), name));
        services.AddSingleton<Microsoft.AspNetCore.Identity.IEmailSender<TUser>>(provider => provider.GetRequiredService<IdentityEmailSender<TUser>>());
        services.AddSingleton<IdentityUiEmailSender>(provider => provider.GetRequiredService<IdentityEmailSender<TUser>>());
        return builder;
    }
}
