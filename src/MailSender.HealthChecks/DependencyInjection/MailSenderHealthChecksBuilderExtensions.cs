using MailSender;
using MailSender.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds health checks for MailSender senders to an <see cref="IHealthChecksBuilder"/>.</summary>
public static class MailSenderHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check that verifies a sender's transport (SMTP: connect, authenticate, QUIT; no message is sent;
    /// pickup: the folder is writable). Map it with <c>app.MapHealthChecks("/health")</c>.
    /// </summary>
    /// <param name="builder">The health checks builder, from <c>services.AddHealthChecks()</c>.</param>
    /// <param name="senderName">The sender registered with <c>AddMailSender(name, ...)</c>; the default sender when <see langword="null"/> or empty.</param>
    /// <param name="name">The check's name; the default is <c>mailsender</c>, or <c>mailsender-NAME</c> for a named sender.</param>
    /// <param name="failureStatus">The status reported when the check fails; the default is <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter checks by, e.g. <c>ready</c>.</param>
    /// <param name="timeout">How long the check may take; the default is none (the transport's own timeouts apply).</param>
    /// <returns>The builder.</returns>
    /// <remarks>Every run opens a connection and logs in: let the health-check host run it every minute or so, not every second.</remarks>
    public static IHealthChecksBuilder AddMailSender(this IHealthChecksBuilder builder, string? senderName = null, string? name = null, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var sender = senderName ?? string.Empty;
        return builder.Add(new HealthCheckRegistration(
            name ?? (sender.Length == 0 ? "mailsender" : "mailsender-" + sender),
            provider => new EmailSenderHealthCheck(provider.GetRequiredService<IEmailSenderFactory>(), sender),
            failureStatus,
            tags,
            timeout));
    }
}
