using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailSender.Deliverability.Processing;

/// <summary>
/// Runs the <see cref="BounceProcessor"/> over the configured source when the application starts and then every
/// <see cref="BounceProcessingOptions.Interval"/>. A failed run (server down, login refused) is logged and tried again
/// at the next interval; it never stops the application.
/// </summary>
internal sealed partial class BounceProcessingService(
    BounceProcessor processor,
    IOptions<BounceProcessingOptions> options,
    TimeProvider timeProvider,
    ILogger<BounceProcessingService> logger) : BackgroundService
{
    private readonly BounceProcessingOptions _options = options.Value;

    /// <summary>Gets the source as shown in logs (never the password).</summary>
    internal string Source => _options switch
    {
        { Imap: { } imap } => $"imap {imap.UserName}@{imap.Host}/{imap.Folder}",
        { Maildir: { Length: > 0 } maildir } => "Maildir " + maildir,
        _ => "folder " + _options.Folder,
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.Interval, timeProvider);
        do
        {
            await RunOnceAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One run over the source; failures are logged, never thrown (except cancellation).</summary>
    internal async Task<BounceProcessingSummary?> RunOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var summary = _options switch
            {
                { Imap: { } imap } => await processor.ProcessImapAsync(imap, cancellationToken).ConfigureAwait(false),
                { Maildir: { Length: > 0 } maildir } => await processor.ProcessMaildirAsync(maildir, cancellationToken).ConfigureAwait(false),
                _ => await processor.ProcessFolderAsync(_options.Folder!, cancellationToken).ConfigureAwait(false),
            };
            Log.Processed(logger, Source, summary.Reports.Count, summary.Skipped.Count);
            return summary;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            Log.RunFailed(logger, Source, _options.Interval, e.Message, e);
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3, LogLevel.Information, "Processed the bounces of {Source}: {Reports} report(s) acted on, {Skipped} message(s) skipped.")]
        public static partial void Processed(ILogger logger, string source, int reports, int skipped);

        [LoggerMessage(4, LogLevel.Warning, "Bounce processing of {Source} failed; it runs again in {Interval}: {Reason}")]
        public static partial void RunFailed(ILogger logger, string source, TimeSpan interval, string reason, Exception exception);
    }
}
