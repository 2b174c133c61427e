using MailSender.Internal;
using MailSender.Sending;
using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace MailSender.Tests.Internal;

/// <summary>
/// The checkpoint the outbox records: reached once per send, before the write that may complete the message and never
/// after it, by every transport that says it reports it; a checkpoint that fails stops the message unsent.
/// </summary>
public sealed class DeliveryCheckpointTests
{
    [Theory]
    [InlineData(new[] { "PIPELINING", "8BITMIME" }, "on")]
    [InlineData(new[] { "PIPELINING", "8BITMIME", "CHUNKING" }, "on")]
    [InlineData(new[] { "PIPELINING", "8BITMIME", "CHUNKING" }, "aggressive")]
    [InlineData(new[] { "8BITMIME" }, "off")]
    public async Task Smtp_ReachesTheCheckpointOnce_BeforeTheServerHasTheEnd(string[] capabilities, string pipelining)
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = capabilities });
        await using var host = MailSenderHost.Create($"smtp://127.0.0.1:{server.Port}?security=none&pipelining={pipelining}");
        var seenAtCheckpoint = new List<int>();
        var checkpoint = new DeliveryCheckpoint(_ =>
        {
            seenAtCheckpoint.Add(server.Transactions.Count);
            return ValueTask.CompletedTask;
        });

        SendResult result;
        using (DeliveryCheckpoint.Enter(checkpoint))
        {
            result = await host.Sender.SendAsync(TestMessages.Text());
        }

        Assert.True(result.AllRecipientsAccepted);
        Assert.True(checkpoint.Reached);
        Assert.Equal([0], seenAtCheckpoint);
        Assert.Single(server.Transactions);
        Assert.Null(DeliveryCheckpoint.Current);
    }

    [Fact]
    public async Task Smtp_AFailingCheckpoint_StopsTheMessageBeforeItsEnd()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var host = MailSenderHost.Create($"smtp://127.0.0.1:{server.Port}?security=none");
        var checkpoint = new DeliveryCheckpoint(_ => throw new InvalidOperationException("the database is gone"));

        EmailSendException error;
        using (DeliveryCheckpoint.Enter(checkpoint))
        {
            error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));
        }

        Assert.Equal(EmailErrorKind.StorageFailed, error.Kind);
        Assert.False(error.MayHaveBeenAccepted);
        Assert.Contains("the database is gone", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.Transactions);
    }

    [Fact]
    public async Task Smtp_TheCheckpointOfOneCaller_DoesNotStopAnother()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var host = MailSenderHost.Create($"smtp://127.0.0.1:{server.Port}?security=none&maxConnections=1");
        var recorded = new DeliveryCheckpoint(_ => ValueTask.CompletedTask);

        Task<SendResult> withCheckpoint;
        using (DeliveryCheckpoint.Enter(recorded))
        {
            withCheckpoint = host.Sender.SendAsync(TestMessages.WithSubject("outbox"));
        }

        var without = host.Sender.SendAsync(TestMessages.WithSubject("direct"));
        await Task.WhenAll(withCheckpoint, without);

        Assert.True(recorded.Reached);
        Assert.Equal(2, server.Transactions.Count);
    }

    [Fact]
    public async Task Pickup_ReachesTheCheckpoint_BeforeTheFileAppears()
    {
        var folder = Directory.CreateTempSubdirectory("mailsender-checkpoint-");
        try
        {
            await using var host = MailSenderHost.Create($"pickup:{folder.FullName}");
            var filesAtCheckpoint = -1;
            var checkpoint = new DeliveryCheckpoint(_ =>
            {
                filesAtCheckpoint = folder.GetFiles("*.eml").Length;
                return ValueTask.CompletedTask;
            });

            using (DeliveryCheckpoint.Enter(checkpoint))
            {
                await host.Sender.SendAsync(TestMessages.Text());
            }

            Assert.Equal(0, filesAtCheckpoint);
            Assert.Single(folder.GetFiles("*.eml"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("smtp://127.0.0.1:2525")]
    [InlineData("pickup:outbox")]
    [InlineData("failover(smtp://127.0.0.1:2525 pickup:outbox)")]
    [InlineData("direct:")]
    public async Task Senders_OfMailSendersTransports_ReportTheCheckpoint(string transport)
    {
        await using var host = MailSenderHost.Create(transport);

        Assert.True(((DefaultEmailSender)host.Provider.GetRequiredService<IEmailSenderFactory>().GetSender(string.Empty)).ReportsFinalWrite);
    }

    [Fact]
    public async Task Senders_OfAUsersOwnTransport_DoNotReportTheCheckpoint()
    {
        // The outbox then records "may be written" before the send starts (a crash leaves it uncertain, never sent twice).
        await using var host = MailSenderHost.Create("pickup:unused", build: b => b.UseTransport(_ => new OwnTransport()));

        Assert.False(((DefaultEmailSender)host.Provider.GetRequiredService<IEmailSenderFactory>().GetSender(string.Empty)).ReportsFinalWrite);
    }

    [Fact]
    public async Task ReachAsync_RunsTheCallbackOnce()
    {
        var calls = 0;
        var checkpoint = new DeliveryCheckpoint(_ =>
        {
            Interlocked.Increment(ref calls);
            return ValueTask.CompletedTask;
        });

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => checkpoint.ReachAsync(default))));

        Assert.Equal(1, calls);
    }

    private sealed class OwnTransport : IEmailTransport
    {
        public string Name => "own";

        public Task<SendResult> SendAsync(MimeKit.MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default) =>
            Task.FromResult(new SendResult { MessageId = message.MessageId ?? string.Empty, Transport = Name });
    }
}
