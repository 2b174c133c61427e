using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using MimeKit;

namespace MailSender.Bulk;

/// <summary>
/// One bulk send: a pump reads the input and starts each item once a slot of the window is free; each send writes its
/// result to a bounded channel the caller reads. The window bounds the messages alive at once and the channel bounds
/// the results waiting, so memory does not grow with the input.
/// </summary>
internal sealed class BulkSender<T>(IEmailSender sender, Func<T, CancellationToken, ValueTask<MimeMessage>> compose, BulkSendOptions options)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _completed;
    private long _sent;
    private long _failed;
    private long _skipped;

    public async IAsyncEnumerable<BulkSendResult> RunAsync(IAsyncEnumerable<T> items, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var results = Channel.CreateBounded<BulkSendResult>(new BoundedChannelOptions(options.MaxConcurrency) { SingleReader = true });

        // Cancelled when the caller stops reading early, so no send waits forever on a full channel.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = PumpAsync(items, results.Writer, stop.Token);
        try
        {
            await foreach (var result in results.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                yield return result;
            }

            await pump.ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await pump.ConfigureAwait(false);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // The caller left early or cancelled; what it did not read is not reported.
            }
        }
    }

    private async Task PumpAsync(IAsyncEnumerable<T> items, ChannelWriter<BulkSendResult> writer, CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var window = new SemaphoreSlim(options.MaxConcurrency);
        Exception? error = null;
        try
        {
            long index = 0;
            await foreach (var item in items.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await window.WaitAsync(cancellationToken).ConfigureAwait(false);
                _ = SendOneAsync(item, index++, window, writer, cancellationToken);
            }
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            // Taking every slot means every send in flight has finished and written its result.
            for (var i = 0; i < options.MaxConcurrency; i++)
            {
                await window.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            writer.TryComplete(error);
        }
    }

    private async Task SendOneAsync(T item, long index, SemaphoreSlim window, ChannelWriter<BulkSendResult> writer, CancellationToken cancellationToken)
    {
        try
        {
            var result = await SendAsync(item, index, cancellationToken).ConfigureAwait(false);
            Count(result.State);
            var progress = new BulkSendProgress(Interlocked.Increment(ref _completed), Volatile.Read(ref _sent), Volatile.Read(ref _failed), Volatile.Read(ref _skipped), _clock.Elapsed);

            // The result first: a progress handler that throws must not lose it.
            await writer.WriteAsync(result, cancellationToken).ConfigureAwait(false);
            options.Progress?.Report(progress);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is being cancelled; the enumeration ends with the cancellation.
        }
        finally
        {
            window.Release();
        }
    }

    private async Task<BulkSendResult> SendAsync(T item, long index, CancellationToken cancellationToken)
    {
        MimeMessage message;
        try
        {
            message = await compose(item, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("The compose function returned no message.");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new BulkSendResult { Index = index, Recipients = [], State = BulkSendState.Failed, Reply = "The message could not be built: " + e.Message, Error = e };
        }

        var recipients = message.To.Mailboxes.Concat(message.Cc.Mailboxes).Concat(message.Bcc.Mailboxes).Select(m => m.Address).ToArray();
        if (options.ListId is { } list)
        {
            message.Headers.Remove(HeaderId.ListId);
            message.Headers.Add(HeaderId.ListId, $"<{list}>");
        }

        if (options.SuppressionList is { } suppression)
        {
            foreach (var recipient in recipients)
            {
                if (await suppression.FindAsync(recipient, options.ListId, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    return new BulkSendResult
                    {
                        Index = index,
                        Recipients = recipients,
                        State = BulkSendState.Suppressed,
                        Reply = entry.Describe(),
                        MessageId = message.MessageId,
                        Suppression = entry,
                    };
                }
            }
        }

        try
        {
            var sent = await sender.SendAsync(message, cancellationToken).ConfigureAwait(false);
            return new BulkSendResult
            {
                Index = index,
                Recipients = recipients,
                State = sent.AllRecipientsAccepted ? BulkSendState.Sent : BulkSendState.PartiallySent,
                Reply = sent.ServerResponse,
                MessageId = sent.MessageId,
                Result = sent,
            };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var vetoedFor = (e as EmailSendException)?.Suppression;
            var state = vetoedFor is not null ? BulkSendState.Suppressed
                : e is EmailSendException { Kind: EmailErrorKind.Vetoed } ? BulkSendState.Refused
                : BulkSendState.Failed;
            return new BulkSendResult { Index = index, Recipients = recipients, State = state, Reply = e.Message, MessageId = message.MessageId, Error = e, Suppression = vetoedFor };
        }
    }

    private void Count(BulkSendState state)
    {
        switch (state)
        {
            case BulkSendState.Sent or BulkSendState.PartiallySent:
                Interlocked.Increment(ref _sent);
                break;
            case BulkSendState.Failed:
                Interlocked.Increment(ref _failed);
                break;
            default:
                Interlocked.Increment(ref _skipped);
                break;
        }
    }
}
