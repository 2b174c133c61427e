using MailSender.Deliverability.Lint;
using MimeKit;

namespace MailSender.Deliverability;

/// <summary>Checks one message for what gets mail clipped, junked or refused (the library side of <c>mailsender lint</c>).</summary>
public static class MessageLinter
{
    /// <summary>The size of HTML beyond which Gmail clips a message and hides the rest behind "View entire message".</summary>
    public const int GmailClipBytes = 102 * 1024;

    /// <summary>Checks <paramref name="message"/>; returns its problems, errors first. An empty list means nothing was found.</summary>
    /// <param name="message">The message, as it will be sent.</param>
    /// <param name="options">What to check against, or <see langword="null"/> for transactional mail.</param>
    public static IReadOnlyList<DeliverabilityFinding> Lint(MimeMessage message, MessageLintOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        return MessageChecks.Run(message, options ?? new MessageLintOptions())
            .OrderByDescending(f => f.Severity)
            .ToList();
    }
}
