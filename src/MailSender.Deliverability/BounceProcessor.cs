using MailKit;
using MailSender.Deliverability.Bounces;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;

namespace MailSender.Deliverability;

/// <summary>
/// Reads bounces and complaints and acts on them: a hard bounce or a complaint puts the recipient on the
/// <see cref="IEmailSuppressionList"/> (globally: mail to a dead address or to someone who complained must stop for
/// every list); soft bounces and success notices are reported only. A message that is not a well-formed report is
/// skipped with a logged reason and left where it is, so nothing in the mailbox is lost.
/// </summary>
public sealed partial class BounceProcessor
{
    private readonly IEmailSuppressionList _suppression;
    private readonly IBounceReportHandler[] _handlers;
    private readonly ILogger _logger;

    /// <summary>Creates a processor that records hard bounces and complaints in <paramref name="suppression"/>.</summary>
    /// <param name="suppression">The suppression list to update.</param>
    /// <param name="logger">Where skipped messages and their reasons are logged, or <see langword="null"/>.</param>
#pragma warning disable RS0027 // The short form keeps its optional logger; the long one (for DI, with handlers) takes it explicitly.
    public BounceProcessor(IEmailSuppressionList suppression, ILogger<BounceProcessor>? logger = null)
#pragma warning restore RS0027
        : this(suppression, [], logger)
    {
    }

    /// <summary>
    /// Creates a processor that records hard bounces and complaints in <paramref name="suppression"/>, then passes each
    /// report to <paramref name="handlers"/> (the outbox's, which marks bounced recipients).
    /// </summary>
    /// <param name="suppression">The suppression list to update.</param>
    /// <param name="handlers">What else acts on each report, in order.</param>
    /// <param name="logger">Where skipped messages and their reasons are logged, or <see langword="null"/>.</param>
    public BounceProcessor(IEmailSuppressionList suppression, IEnumerable<IBounceReportHandler> handlers, ILogger<BounceProcessor>? logger)
    {
        ArgumentNullException.ThrowIfNull(suppression);
        ArgumentNullException.ThrowIfNull(handlers);
        _suppression = suppression;
        _handlers = [.. handlers];
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Reads a report without acting on it; <see langword="null"/> when <paramref name="message"/> is not a well-formed DSN or ARF report.</summary>
    /// <param name="message">The message received at the bounce address.</param>
    public static BounceReport? Parse(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return BounceParser.TryParse(message, out _);
    }

    /// <summary>Reads one report and acts on it. Returns <see langword="null"/> (and logs why) when it is not a well-formed report.</summary>
    /// <param name="message">The message received at the bounce address.</param>
    /// <param name="cancellationToken">Cancels the suppression-list writes.</param>
    public async Task<BounceReport?> ProcessAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return (await ActAsync(message, message.MessageId ?? "(none)", cancellationToken).ConfigureAwait(false)).Report;
    }

    /// <summary>The one path of every source: parse, then act on a report, or log why the message (named <paramref name="name"/> in the log) was skipped.</summary>
    private async Task<(BounceReport? Report, string? Problem)> ActAsync(MimeMessage message, string name, CancellationToken cancellationToken)
    {
        var report = BounceParser.TryParse(message, out var problem);
        if (report is null)
        {
            Log.Skipped(_logger, name, problem!);
            return (null, problem);
        }

        await ApplyAsync(report, cancellationToken).ConfigureAwait(false);
        return (report, null);
    }

    /// <summary>Adds the outcome of <see cref="ActAsync"/> to a run's summary; true when a report was acted on.</summary>
    private static bool Record(BounceProcessingSummary summary, string path, (BounceReport? Report, string? Problem) outcome)
    {
        if (outcome.Report is { } report)
        {
            summary.Reports.Add(report);
            return true;
        }

        summary.Skipped.Add(new SkippedMessage(path, outcome.Problem!));
        return false;
    }

    /// <summary>Puts the hard-bounced and complaining recipients of <paramref name="report"/> on the suppression list.</summary>
    private async Task ApplyAsync(BounceReport report, CancellationToken cancellationToken)
    {
        foreach (var recipient in report.Recipients)
        {
            var reason = recipient.Kind switch
            {
                BounceKind.HardBounce => SuppressionReason.HardBounce,
                BounceKind.Complaint => SuppressionReason.Complaint,
                _ => (SuppressionReason?)null,
            };
            if (reason is null)
            {
                continue;
            }

            var detail = recipient.Kind == BounceKind.Complaint
                ? $"feedback report: {report.FeedbackType}"
                : $"{recipient.Status} {recipient.Diagnostic}".Trim();
            await _suppression.AddAsync(new EmailSuppression(recipient.Address, reason.Value) { Detail = detail }, cancellationToken).ConfigureAwait(false);
            Log.Suppressed(_logger, reason.Value, report.OriginalMessageId ?? "(unknown)");
        }

        foreach (var handler in _handlers)
        {
            await handler.HandleAsync(report, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Processes a Maildir: each message in <c>new/</c> (and unseen ones in <c>cur/</c>) is read; a report is acted on
    /// and marked seen (moved to <c>cur/</c> with the <c>S</c> flag, as a mail client would); anything else is left
    /// untouched.
    /// </summary>
    /// <param name="maildir">The Maildir's folder (holding <c>new/</c>, <c>cur/</c>, <c>tmp/</c>).</param>
    /// <param name="cancellationToken">Stops between messages.</param>
    public async Task<BounceProcessingSummary> ProcessMaildirAsync(string maildir, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(maildir);
        var newDir = Path.Combine(maildir, "new");
        var curDir = Path.Combine(maildir, "cur");
        if (!Directory.Exists(newDir) || !Directory.Exists(curDir))
        {
            throw new DirectoryNotFoundException($"'{maildir}' is not a Maildir: it needs the folders new/ and cur/.");
        }

        var files = Directory.GetFiles(newDir)
            .Concat(Directory.GetFiles(curDir).Where(f => !Flags(f).Contains('S', StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal);
        var summary = new BounceProcessingSummary();
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await ProcessFileAsync(file, summary, cancellationToken).ConfigureAwait(false))
            {
                var name = Path.GetFileName(file);
                var colon = name.IndexOf(":2,", StringComparison.Ordinal);
                var target = colon >= 0
                    ? name[..(colon + 3)] + string.Concat((name[(colon + 3)..] + "S").Distinct().Order())
                    : name + ":2,S";
                File.Move(file, Path.Combine(curDir, target));
            }
        }

        return summary;
    }

    /// <summary>
    /// Processes a folder of <c>.eml</c> files: a report is acted on and moved to the subfolder <c>processed/</c>;
    /// anything else is left where it is.
    /// </summary>
    /// <param name="folder">The folder.</param>
    /// <param name="cancellationToken">Stops between messages.</param>
    public async Task<BounceProcessingSummary> ProcessFolderAsync(string folder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The folder '{folder}' does not exist.");
        }

        var processed = Path.Combine(folder, "processed");
        var summary = new BounceProcessingSummary();
        foreach (var file in Directory.GetFiles(folder, "*.eml").Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await ProcessFileAsync(file, summary, cancellationToken).ConfigureAwait(false))
            {
                Directory.CreateDirectory(processed);
                File.Move(file, Path.Combine(processed, Path.GetFileName(file)), overwrite: true);
            }
        }

        return summary;
    }

    private async Task<bool> ProcessFileAsync(string file, BounceProcessingSummary summary, CancellationToken cancellationToken)
    {
        MimeMessage message;
        try
        {
            message = await MimeMessage.LoadAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            Log.Skipped(_logger, Path.GetFileName(file), "it cannot be read as a message: " + e.Message);
            summary.Skipped.Add(new SkippedMessage(file, "it cannot be read as a message: " + e.Message));
            return false;
        }

        return Record(summary, file, await ActAsync(message, Path.GetFileName(file), cancellationToken).ConfigureAwait(false));
    }

    private async Task<bool> ProcessImapMessageAsync(IMailFolder folder, UniqueId uid, BounceProcessingSummary summary, CancellationToken cancellationToken)
    {
        var name = $"{folder.FullName};UID={uid.Id}";

        // GetMessage fetches BODY.PEEK[]: reading does not mark the message seen, so a skipped one stays unseen.
        var message = await folder.GetMessageAsync(uid, cancellationToken).ConfigureAwait(false);
        return Record(summary, name, await ActAsync(message, name, cancellationToken).ConfigureAwait(false));
    }

    private static string Flags(string file)
    {
        var name = Path.GetFileName(file);
        var colon = name.IndexOf(":2,", StringComparison.Ordinal);
        return colon >= 0 ? name[(colon + 3)..] : string.Empty;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Skipped {Message} at the bounce address, left as it is: {Reason}.")]
        public static partial void Skipped(ILogger logger, string message, string reason);

        [LoggerMessage(2, LogLevel.Information, "Added a recipient of message {OriginalMessageId} to the suppression list: {Reason}.")]
        public static partial void Suppressed(ILogger logger, SuppressionReason reason, string originalMessageId);
    }
}

/// <summary>What one run over a Maildir or folder did.</summary>
public sealed class BounceProcessingSummary
{
    /// <summary>The reports read and acted on.</summary>
    public IList<BounceReport> Reports { get; } = [];

    /// <summary>The messages left where they were, and why.</summary>
    public IList<SkippedMessage> Skipped { get; } = [];
}

/// <summary>A message the bounce processor left alone.</summary>
/// <param name="Path">Its file.</param>
/// <param name="Reason">Why it was skipped.</param>
public sealed record SkippedMessage(string Path, string Reason);
