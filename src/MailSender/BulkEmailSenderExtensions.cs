using MailSender.Bulk;
using MimeKit;

namespace MailSender;

/// <summary>Sends many messages through an <see cref="IEmailSender"/> with bounded concurrency, one result each, in flat memory.</summary>
public static class BulkEmailSenderExtensions
{
    /// <summary>
    /// Sends every message of <paramref name="messages"/>, at most <see cref="BulkSendOptions.MaxConcurrency"/> at a
    /// time, and streams one <see cref="BulkSendResult"/> per message in the order they complete. The input is read
    /// only as fast as messages complete and nothing is kept after its result is yielded, so 100,000 messages take
    /// the memory of a few. A failed message never stops the others; cancelling stops reading the input, lets the
    /// sends in flight finish or cancel, and ends the enumeration with <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <param name="sender">The sender, e.g. one over a pooled SMTP transport.</param>
    /// <param name="messages">The messages, each to its own recipients; read lazily.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops the bulk send.</param>
#pragma warning disable RS0027 // The common overload keeps its defaults; the one with a compose function takes every argument.
    public static IAsyncEnumerable<BulkSendResult> SendBulkAsync(this IEmailSender sender, IAsyncEnumerable<MimeMessage> messages, BulkSendOptions? options = null, CancellationToken cancellationToken = default)
#pragma warning restore RS0027
    {
        ArgumentNullException.ThrowIfNull(messages);
        return SendBulkAsync(sender, messages, static (message, _) => ValueTask.FromResult(message), options, cancellationToken);
    }

    /// <summary>
    /// Sends one message per item of <paramref name="items"/>, built by <paramref name="compose"/> inside the
    /// concurrency window (so building, e.g. rendering a template, runs in parallel too and a failure to build is that
    /// item's <see cref="BulkSendState.Failed"/> result, not the end of the run). Otherwise as
    /// <see cref="SendBulkAsync(IEmailSender, IAsyncEnumerable{MimeMessage}, BulkSendOptions?, CancellationToken)"/>.
    /// </summary>
    /// <typeparam name="T">The item type, e.g. a recipient and its model.</typeparam>
    /// <param name="sender">The sender.</param>
    /// <param name="items">The items; read lazily.</param>
    /// <param name="compose">Builds the message of one item.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops the bulk send.</param>
    public static IAsyncEnumerable<BulkSendResult> SendBulkAsync<T>(this IEmailSender sender, IAsyncEnumerable<T> items, Func<T, CancellationToken, ValueTask<MimeMessage>> compose, BulkSendOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(compose);
        options ??= new BulkSendOptions();
        if (options.MaxConcurrency is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxConcurrency, "BulkSendOptions.MaxConcurrency must be between 1 and 1000.");
        }

        if (options.ListId is { } list && (string.IsNullOrWhiteSpace(list) || list.Any(c => char.IsControl(c) || c is '<' or '>' or ' ')))
        {
            throw new ArgumentException($"BulkSendOptions.ListId '{list}' is not a list identifier (e.g. news.example.com: no spaces, angle brackets or control characters).", nameof(options));
        }

        return new BulkSender<T>(sender, compose, options).RunAsync(items, cancellationToken);
    }
}
