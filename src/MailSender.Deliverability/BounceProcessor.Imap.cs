using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;

namespace MailSender.Deliverability;

/// <summary>The IMAP source of <see cref="BounceProcessor"/>.</summary>
#pragma warning disable RS0026 // The overloads differ in their first parameter's type (settings or an open folder), never ambiguous.
public sealed partial class BounceProcessor
{
    /// <summary>
    /// Logs in to an IMAP mailbox and processes its unseen messages as
    /// <see cref="ProcessImapAsync(IMailFolder, IMailFolder?, CancellationToken)"/> does, then logs out.
    /// </summary>
    /// <param name="mailbox">The server, the account and the folders.</param>
    /// <param name="cancellationToken">Stops between messages, or the network operation under way.</param>
    /// <exception cref="BounceMailboxException">The server could not be reached, refused the login, or has no such folder.</exception>
    public async Task<BounceProcessingSummary> ProcessImapAsync(ImapBounceMailbox mailbox, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        ArgumentException.ThrowIfNullOrWhiteSpace(mailbox.Host);
        ArgumentException.ThrowIfNullOrEmpty(mailbox.UserName);
        ArgumentNullException.ThrowIfNull(mailbox.Password);
        ArgumentException.ThrowIfNullOrWhiteSpace(mailbox.Folder);
        ArgumentOutOfRangeException.ThrowIfNegative(mailbox.Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mailbox.Port, 65535);

        var (port, security) = Connection(mailbox);
        var where = $"{mailbox.Host}:{port}";
        using var client = new ImapClient { Timeout = (int)Math.Min(int.MaxValue, mailbox.Timeout.TotalMilliseconds) };
        if (mailbox.ServerCertificateValidation is { } validation)
        {
            client.ServerCertificateValidationCallback = validation;
        }

        try
        {
            await client.ConnectAsync(mailbox.Host, port, security, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new BounceMailboxException($"The IMAP server {where} did not answer within {mailbox.Timeout} ({security}): check that the port and the security match (implicit TLS on 993, STARTTLS on 143).", e);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or SslHandshakeException or ImapProtocolException or NotSupportedException)
        {
            throw new BounceMailboxException($"Could not connect to the IMAP server {where} ({security}): {e.Message}", e);
        }

        try
        {
            await client.AuthenticateAsync(mailbox.UserName, mailbox.Password, cancellationToken).ConfigureAwait(false);
        }
        catch (AuthenticationException e)
        {
            throw new BounceMailboxException($"The IMAP server {where} refused the login of '{mailbox.UserName}': {e.Message}", e);
        }

        var folder = await FindFolderAsync(client, mailbox.Folder, create: false, where, cancellationToken).ConfigureAwait(false);
        var processed = mailbox.ProcessedFolder is { } name ? await FindFolderAsync(client, name, create: true, where, cancellationToken).ConfigureAwait(false) : null;
        var summary = await ProcessImapAsync(folder, processed, cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
        return summary;
    }

    /// <summary>
    /// Processes the unseen messages of an IMAP folder (opened read-write here if it is not): a report is acted on and
    /// marked seen (and moved to <paramref name="processedFolder"/> when given); anything else is left unseen and
    /// untouched. Use this overload to log in yourself (OAuth, your own <c>ImapClient</c> settings).
    /// </summary>
    /// <param name="folder">The folder that receives bounces, from an authenticated MailKit client.</param>
    /// <param name="processedFolder">Where processed reports are moved, or <see langword="null"/> to leave them in place, seen.</param>
    /// <param name="cancellationToken">Stops between messages, or the network operation under way.</param>
    public async Task<BounceProcessingSummary> ProcessImapAsync(IMailFolder folder, IMailFolder? processedFolder = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!folder.IsOpen || folder.Access != FolderAccess.ReadWrite)
        {
            await folder.OpenAsync(FolderAccess.ReadWrite, cancellationToken).ConfigureAwait(false);
        }

        var uids = await folder.SearchAsync(SearchQuery.NotSeen.And(SearchQuery.NotDeleted), cancellationToken).ConfigureAwait(false);
        var summary = new BounceProcessingSummary();
        foreach (var uid in uids)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!await ProcessImapMessageAsync(folder, uid, summary, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            // Seen first: if the move fails, the report is not read (and acted on) again.
            await folder.AddFlagsAsync(uid, MessageFlags.Seen, silent: true, cancellationToken).ConfigureAwait(false);
            if (processedFolder is not null)
            {
                await folder.MoveToAsync(uid, processedFolder, cancellationToken).ConfigureAwait(false);
            }
        }

        return summary;
    }

    private static (int Port, SecureSocketOptions Security) Connection(ImapBounceMailbox mailbox)
    {
        var port = mailbox.Port == 0 ? (mailbox.Security is null or SecureSocketOptions.SslOnConnect ? 993 : 143) : mailbox.Port;
        var security = mailbox.Security ?? (port == 993 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls);
        return (port, security);
    }

    private static async Task<IMailFolder> FindFolderAsync(ImapClient client, string name, bool create, string where, CancellationToken cancellationToken)
    {
        if (string.Equals(name, "INBOX", StringComparison.OrdinalIgnoreCase))
        {
            return client.Inbox;
        }

        try
        {
            return await client.GetFolderAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (FolderNotFoundException e) when (!create)
        {
            throw new BounceMailboxException($"The IMAP server {where} has no folder '{name}'.", e);
        }
        catch (FolderNotFoundException)
        {
            var root = client.GetFolder(client.PersonalNamespaces[0]);
            return await root.CreateAsync(name, isMessageFolder: true, cancellationToken).ConfigureAwait(false)
                ?? throw new BounceMailboxException($"The IMAP server {where} did not create the folder '{name}'.", null);
        }
    }
}
#pragma warning restore RS0026
