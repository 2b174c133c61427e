using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailSender.Deliverability.Tests.Bounces;

/// <summary>
/// Bounces made by a real Postfix (mail to an address it bounces), delivered to its bounce Maildir and read through a
/// real Dovecot over IMAP. Both are started by .ci/run (scripts/postfix/start.sh, scripts/dovecot/start.sh).
/// </summary>
/// <remarks>
/// The mailbox is shared by the test runs of both frameworks (run in parallel) and every test here, and processing
/// takes every unseen message: each test holds a machine-wide lock while it uses the mailbox.
/// </remarks>
public sealed class ImapBounceTests
{
    [SkippableFact]
    public async Task PostfixBounce_ReadOverImplicitTls_SuppressesTheRecipient_MarksSeen_AndMovesIt()
    {
        var servers = BounceServers.Require();
        using var mailboxLock = await MailboxLock.TakeAsync();
        var envelopeId = "bounce-test-" + Guid.NewGuid().ToString("N");
        var messageId = await SendToBouncingAddressAsync(servers, envelopeId);
        await WaitForBounceAsync(servers, envelopeId);

        var suppression = new ServiceCollection().AddSuppressionList().BuildServiceProvider().GetRequiredService<IEmailSuppressionList>();
        var processor = new BounceProcessor(suppression);
        var summary = await processor.ProcessImapAsync(new ImapBounceMailbox
        {
            Host = servers.ImapHost,
            Port = servers.ImapsPort,
            Security = SecureSocketOptions.SslOnConnect,
            UserName = servers.ImapUser,
            Password = servers.ImapPassword,
            ProcessedFolder = "Processed",
            ServerCertificateValidation = TrustOnly(servers.CaFile),
        });

        // Postfix's own report: found by the envelope id it returns, about the message sent, a hard 5.1.1 bounce.
        var report = Assert.Single(summary.Reports, r => r.OriginalEnvelopeId == envelopeId);
        Assert.Equal(BounceReportType.DeliveryStatus, report.Type);
        Assert.Equal(messageId, report.OriginalMessageId);
        var recipient = Assert.Single(report.Recipients);
        Assert.Equal(servers.BounceRecipient, recipient.Address, ignoreCase: true);
        Assert.Equal(BounceKind.HardBounce, recipient.Kind);
        Assert.Equal("5.1.1", recipient.Status);
        var entry = await suppression.FindAsync(servers.BounceRecipient, list: null);
        Assert.NotNull(entry);
        Assert.Equal(SuppressionReason.HardBounce, entry.Reason);

        // On the server: gone from INBOX, in Processed and seen there.
        using var client = await ConnectAsync(servers);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Empty(await FindContainingAsync(client.Inbox, envelopeId));
        var processed = await client.GetFolderAsync("Processed");
        await processed.OpenAsync(FolderAccess.ReadOnly);
        var moved = Assert.Single(await FindContainingAsync(processed, envelopeId));
        var flags = Assert.Single(await processed.FetchAsync([moved], MessageSummaryItems.Flags));
        Assert.True(flags.Flags!.Value.HasFlag(MessageFlags.Seen));
    }

    [SkippableFact]
    public async Task PlainImap_ReportsAreMarkedSeen_OtherMessagesStayUnseen_AndASecondRunReadsNothingAgain()
    {
        var servers = BounceServers.Require();
        using var mailboxLock = await MailboxLock.TakeAsync();
        var tag = Guid.NewGuid().ToString("N");
        using (var client = await ConnectAsync(servers))
        {
            await client.Inbox.AppendAsync(Tagged(Samples.Load(Samples.PostfixHardBounce), tag));
            await client.Inbox.AppendAsync(Tagged(Samples.Load(Samples.AutoReply), tag));
            await client.Inbox.AppendAsync(Tagged(Samples.Load(Samples.GarbageStatus), tag));
            await client.DisconnectAsync(true);
        }

        var processor = NewProcessor();
        var mailbox = PlainMailbox(servers);
        var first = await processor.ProcessImapAsync(mailbox);

        Assert.Contains(first.Reports, r => r.OriginalEnvelopeId == "order+42");
        Assert.True(first.Skipped.Count >= 2);
        Assert.All(first.Skipped, s => Assert.StartsWith("INBOX;UID=", s.Path, StringComparison.Ordinal));

        using (var client = await ConnectAsync(servers))
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
            var mine = await client.Inbox.SearchAsync(SearchQuery.HeaderContains("X-Test-Tag", tag));
            Assert.Equal(3, mine.Count);
            var summaries = await client.Inbox.FetchAsync(mine, MessageSummaryItems.Flags | MessageSummaryItems.Envelope);
            var seen = summaries.Where(s => s.Flags!.Value.HasFlag(MessageFlags.Seen)).ToList();
            var report = Assert.Single(seen);
            Assert.Equal("Undelivered Mail Returned to Sender", report.Envelope!.Subject);
        }

        // The skipped ones are read again (they are still unseen), the report is not.
        var second = await processor.ProcessImapAsync(mailbox);
        Assert.DoesNotContain(second.Reports, r => r.OriginalEnvelopeId == "order+42");
        Assert.True(second.Skipped.Count >= 2);

        // Tidy up: the skipped ones would be read by every later run on this machine.
        using (var client = await ConnectAsync(servers))
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
            var mine = await client.Inbox.SearchAsync(SearchQuery.HeaderContains("X-Test-Tag", tag));
            await client.Inbox.AddFlagsAsync(mine, MessageFlags.Deleted, silent: true);
            await client.Inbox.ExpungeAsync(mine);
        }
    }

    [SkippableFact]
    public async Task WrongPassword_IsABounceMailboxException_WithoutThePassword()
    {
        var servers = BounceServers.Require();
        var processor = NewProcessor();

        var mailbox = PlainMailbox(servers);
        mailbox.Password = "wrong-" + servers.ImapPassword;
        var error = await Assert.ThrowsAsync<BounceMailboxException>(() => processor.ProcessImapAsync(mailbox));

        Assert.Contains("refused the login", error.Message, StringComparison.Ordinal);
        Assert.Contains(servers.ImapUser, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(servers.ImapPassword, error.ToString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task UnknownFolder_IsABounceMailboxException_NamingIt()
    {
        var servers = BounceServers.Require();
        var processor = NewProcessor();

        var mailbox = PlainMailbox(servers);
        mailbox.Folder = "NoSuchFolder";
        var error = await Assert.ThrowsAsync<BounceMailboxException>(() => processor.ProcessImapAsync(mailbox));

        Assert.Contains("no folder 'NoSuchFolder'", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task ImplicitTls_WithAnUntrustedCertificate_IsABounceMailboxException()
    {
        var servers = BounceServers.Require();
        var processor = NewProcessor();

        // The system trust store does not know the test CA: the connection is refused before the password is sent.
        var error = await Assert.ThrowsAsync<BounceMailboxException>(() => processor.ProcessImapAsync(new ImapBounceMailbox
        {
            Host = servers.ImapHost,
            Port = servers.ImapsPort,
            Security = SecureSocketOptions.SslOnConnect,
            UserName = servers.ImapUser,
            Password = servers.ImapPassword,
        }));

        Assert.Contains($"{servers.ImapHost}:{servers.ImapsPort}", error.Message, StringComparison.Ordinal);
        Assert.IsType<SslHandshakeException>(error.InnerException);
    }

    private static BounceProcessor NewProcessor() =>
        new(new ServiceCollection().AddSuppressionList().BuildServiceProvider().GetRequiredService<IEmailSuppressionList>());

    /// <summary>The test mailbox over plain IMAP (loopback only).</summary>
    private static ImapBounceMailbox PlainMailbox(BounceServers servers) => new()
    {
        Host = servers.ImapHost,
        Port = servers.ImapPort,
        Security = SecureSocketOptions.None,
        UserName = servers.ImapUser,
        Password = servers.ImapPassword,
    };

    private static async Task<string> SendToBouncingAddressAsync(BounceServers servers, string envelopeId)
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.Transport = $"smtp://{servers.Host}:{servers.SmtpPort}?security=none");
        await using var provider = services.BuildServiceProvider();
        var sender = provider.GetRequiredService<IEmailSender>();

        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("bounces@example.test"));
        message.To.Add(MailboxAddress.Parse(servers.BounceRecipient));
        message.Subject = "Bounce test " + envelopeId;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("bounce-test.example.test");
        message.Body = new TextPart("plain") { Text = "This address does not exist; Postfix bounces it." };
        var envelope = new MailEnvelope(MailboxAddress.Parse("bounces@example.test"), [MailboxAddress.Parse(servers.BounceRecipient)])
        {
            DeliveryStatus = new DeliveryStatusNotification { Notify = DsnNotify.Failure, Return = DsnReturn.Headers, EnvelopeId = envelopeId },
        };

        var result = await sender.SendAsync(message, envelope);
        Assert.Single(result.AcceptedRecipients);
        return message.MessageId;
    }

    /// <summary>Postfix bounces within a second or two; the report appears in the Maildir Dovecot serves.</summary>
    private static async Task WaitForBounceAsync(BounceServers servers, string envelopeId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var file in Directory.GetFiles(Path.Combine(servers.BounceMaildir, "new")))
            {
                if ((await File.ReadAllTextAsync(file)).Contains(envelopeId, StringComparison.Ordinal))
                {
                    return;
                }
            }

            await Task.Delay(200);
        }

        Assert.Fail($"No bounce with envelope id {envelopeId} arrived in {servers.BounceMaildir}/new within 60 s; see {servers.Values["MAILSENDER_POSTFIX_LOG"]}.");
    }

    private static async Task<ImapClient> ConnectAsync(BounceServers servers)
    {
        var client = new ImapClient();
        await client.ConnectAsync(servers.ImapHost, servers.ImapPort, SecureSocketOptions.None);
        await client.AuthenticateAsync(servers.ImapUser, servers.ImapPassword);
        return client;
    }

    private static async Task<List<UniqueId>> FindContainingAsync(IMailFolder folder, string text)
    {
        var found = new List<UniqueId>();
        foreach (var uid in await folder.SearchAsync(SearchQuery.All))
        {
            if ((await folder.GetMessageAsync(uid)).ToString().Contains(text, StringComparison.Ordinal))
            {
                found.Add(uid);
            }
        }

        return found;
    }

    private static MimeMessage Tagged(MimeMessage message, string tag)
    {
        message.Headers.Add("X-Test-Tag", tag);
        return message;
    }

    /// <summary>Accepts exactly the test server's self-signed certificate (its own CA).</summary>
    private static System.Net.Security.RemoteCertificateValidationCallback TrustOnly(string caFile)
    {
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caFile));
        var expected = ca.Thumbprint;
        return (_, certificate, _, _) => certificate is not null && string.Equals(certificate.GetCertHashString(), expected, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A lock over every test process on the machine (both frameworks run at once), held while a test uses the mailbox.</summary>
    private sealed class MailboxLock : IDisposable
    {
        private readonly FileStream _file;

        private MailboxLock(FileStream file) => _file = file;

        public static async Task<MailboxLock> TakeAsync()
        {
            var path = Path.Combine(Path.GetTempPath(), "mailsender-bounce-mailbox.lock");
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (true)
            {
                try
                {
                    return new MailboxLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }
        }

        public void Dispose() => _file.Dispose();
    }
}
