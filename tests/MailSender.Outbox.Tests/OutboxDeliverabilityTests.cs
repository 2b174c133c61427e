using MailSender.Deliverability;
using MailSender.Outbox.Bounces;
using MailSender.Outbox.Delivery;
using MailSender.Outbox.Suppression;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Xunit;

namespace MailSender.Outbox.Tests;

/// <summary>
/// The outbox and MailSender.Deliverability together: the suppression list kept in the outbox's database
/// (<c>AddOutbox().AddSuppressionList()</c>), and hard bounces read by the bounce processor marking outbox recipients bounced.
/// </summary>
public sealed class OutboxDeliverabilityTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task SuppressionList_IsTheOutboxDatabase_AndSurvivesARestart()
    {
        var database = _folder.File("outbox.db");
        await using (var provider = Build(database))
        {
            var list = provider.GetRequiredService<IEmailSuppressionList>();
            Assert.IsType<OutboxSuppressionList>(list);
            await list.AddAsync(new EmailSuppression("gone@example.com", SuppressionReason.HardBounce) { Detail = "5.1.1" });
        }

        await using (var restarted = Build(database))
        {
            var entry = await restarted.GetRequiredService<IEmailSuppressionList>().FindAsync("GONE@example.com", "news");
            Assert.NotNull(entry);
            Assert.Equal(SuppressionReason.HardBounce, entry.Reason);
            Assert.Equal("5.1.1", entry.Detail);
        }
    }

    [Fact]
    public async Task SuppressionList_ReplacesTheInMemoryOne_RegisteredBefore()
    {
        var services = new ServiceCollection();
        services.AddSuppressionList();
        services.AddMailSender(o => o.Transport = "pickup:" + _folder.File("pickup")).AddOutbox(o => o.Store = "sqlite:" + _folder.File("outbox.db")).AddSuppressionList();
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<OutboxSuppressionList>(provider.GetRequiredService<IEmailSuppressionList>());
    }

    [Fact]
    public async Task SuppressedRecipient_OfListMail_IsRefusedBeforeTheWire()
    {
        await using var provider = Build(_folder.File("outbox.db"));
        await provider.GetRequiredService<IEmailSuppressionList>().AddAsync(new EmailSuppression("gone@example.com", SuppressionReason.Unsubscribed, "news.example.com"));
        var message = Message("gone@example.com");
        message.Headers.Add("List-Id", "<news.example.com>");

        var error = await Assert.ThrowsAsync<EmailSendException>(() => provider.GetRequiredService<IEmailSender>().SendAsync(message));

        Assert.Equal(EmailErrorKind.Vetoed, error.Kind);
        Assert.Empty(Directory.Exists(_folder.File("pickup")) ? Directory.GetFiles(_folder.File("pickup")) : []);
    }

    [Fact]
    public async Task HardBounce_ReadByTheBounceProcessor_MarksTheOutboxRecipientBounced_AndSuppressesIt()
    {
        await using var provider = Build(_folder.File("outbox.db"), services => services.AddBounceProcessing(o => o.Folder = _folder.File("bounces")));
        var outbox = provider.GetRequiredService<IEmailOutbox>();
        var message = Message("gone@example.com", "here@example.com");
        var id = await outbox.EnqueueAsync(message);
        var worker = provider.GetRequiredService<OutboxWorker>();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await TestSupport.Eventually.TrueAsync(() => outbox.GetAsync(id).GetAwaiter().GetResult()?.State == OutboxState.Sent, "the message sent", TimeSpan.FromSeconds(30));
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }

        Directory.CreateDirectory(_folder.File("bounces"));
        await File.WriteAllTextAsync(Path.Combine(_folder.File("bounces"), "dsn.eml"), TestSupport.TestMessages.HardBounce(message.MessageId!, "gone@example.com"));
        var summary = await provider.GetRequiredService<BounceProcessor>().ProcessFolderAsync(_folder.File("bounces"));

        Assert.Single(summary.Reports);
        var stored = (await outbox.GetAsync(id))!;
        Assert.Equal(OutboxState.Sent, stored.State);
        var gone = Assert.Single(stored.Recipients, r => r.Address == "gone@example.com");
        Assert.Equal(OutboxState.Bounced, gone.State);
        Assert.Equal("5.1.1", gone.EnhancedStatusCode);
        Assert.Contains("bounced after acceptance: 550 5.1.1 no such user", gone.Reply, StringComparison.Ordinal);
        Assert.Contains("reported by mx.example.com", gone.Reply, StringComparison.Ordinal);
        Assert.Equal(OutboxState.Sent, Assert.Single(stored.Recipients, r => r.Address == "here@example.com").State);
        Assert.Equal(SuppressionReason.HardBounce, (await provider.GetRequiredService<IEmailSuppressionList>().FindAsync("gone@example.com", null))!.Reason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SuppressionList_StaysTheOutboxOne_WhenTheCoreOneIsAddedAfter_AndStillRefuses(bool coreAfter)
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.Transport = "pickup:" + _folder.File("pickup")).AddOutbox(o => o.Store = "sqlite:" + _folder.File("outbox.db")).AddSuppressionList();
        if (coreAfter)
        {
            services.AddSuppressionList();
        }

        await using var provider = services.BuildServiceProvider();
        var list = provider.GetRequiredService<IEmailSuppressionList>();
        await list.AddAsync(new EmailSuppression("gone@example.com", SuppressionReason.Complaint));

        Assert.IsType<OutboxSuppressionList>(list);
        var error = await Assert.ThrowsAsync<EmailSendException>(() => provider.GetRequiredService<IEmailSender>().SendAsync(ListMessage("gone@example.com")));
        Assert.Equal(EmailErrorKind.Vetoed, error.Kind);
    }

    [Fact]
    public async Task AddOutbox_RegistersItsBounceHandlerOnce_WithoutTheSuppressionList()
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.Transport = "pickup:" + _folder.File("pickup")).AddOutbox(o => o.Store = "sqlite:" + _folder.File("outbox.db"));
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<OutboxBounceHandler>(Assert.Single(provider.GetServices<IBounceReportHandler>()));
    }

    [Fact]
    public async Task BounceHandler_MarksHardBouncesOnly_MatchingTheMessageIdWithOrWithoutAngleBrackets()
    {
        await using var provider = Build(_folder.File("outbox.db"));
        var outbox = provider.GetRequiredService<IEmailOutbox>();
        var message = Message("hard@example.com", "soft@example.com", "complaint@example.com", "delivered@example.com");
        var id = await SendThroughTheOutboxAsync(provider, message);
        var handler = Assert.Single(provider.GetServices<IBounceReportHandler>().OfType<OutboxBounceHandler>());

        await handler.HandleAsync(Report(null, new BounceRecipient("hard@example.com", BounceKind.HardBounce, "5.1.1", null)), default);
        await handler.HandleAsync(Report("unknown@example.com", new BounceRecipient("hard@example.com", BounceKind.HardBounce, "5.1.1", null)), default);
        Assert.All((await outbox.GetAsync(id))!.Recipients, r => Assert.Equal(OutboxState.Sent, r.State));

        await handler.HandleAsync(
            Report(
                $" <{message.MessageId}> ",
                new BounceRecipient("HARD@example.com", BounceKind.HardBounce, "5.1.1", "550 5.1.1 no such user"),
                new BounceRecipient("soft@example.com", BounceKind.SoftBounce, "4.2.2", "mailbox full"),
                new BounceRecipient("complaint@example.com", BounceKind.Complaint, null, null),
                new BounceRecipient("delivered@example.com", BounceKind.Delivered, "2.0.0", null)),
            default);

        var stored = (await outbox.GetAsync(id))!;
        Assert.Equal(OutboxState.Sent, stored.State);
        Assert.Equal(
            [OutboxState.Bounced, OutboxState.Sent, OutboxState.Sent, OutboxState.Sent],
            stored.Recipients.Select(r => r.State));
        Assert.Equal("bounced after acceptance: 550 5.1.1 no such user", stored.Recipients[0].Reply);

        // The rest bounce too, this time with the Message-ID as the bounce parser gives it (no brackets): the message is bounced.
        await handler.HandleAsync(
            Report(message.MessageId, [.. new[] { "soft", "complaint", "delivered" }.Select(name => new BounceRecipient(name + "@example.com", BounceKind.HardBounce, null, null))]),
            default);
        stored = (await outbox.GetAsync(id))!;
        Assert.Equal(OutboxState.Bounced, stored.State);
        Assert.Equal("bounced after acceptance: no reason given", stored.Recipients[1].Reply);
        Assert.Null(stored.Recipients[1].EnhancedStatusCode);
    }

    private static BounceReport Report(string? messageId, params BounceRecipient[] recipients) => new()
    {
        Type = BounceReportType.DeliveryStatus,
        OriginalMessageId = messageId,
        Recipients = recipients,
    };

    private static async Task<Guid> SendThroughTheOutboxAsync(ServiceProvider provider, MimeMessage message)
    {
        var outbox = provider.GetRequiredService<IEmailOutbox>();
        var id = await outbox.EnqueueAsync(message);
        var worker = provider.GetRequiredService<OutboxWorker>();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await TestSupport.Eventually.TrueAsync(() => outbox.GetAsync(id).GetAwaiter().GetResult()?.State == OutboxState.Sent, "the message sent", TimeSpan.FromSeconds(30));
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }

        return id;
    }

    private static MimeMessage ListMessage(string to)
    {
        var message = Message(to);
        message.Headers.Add("List-Id", "<news.example.com>");
        return message;
    }

    private ServiceProvider Build(string database, Action<IServiceCollection>? more = null)
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.Transport = "pickup:" + _folder.File("pickup"))
            .AddOutbox(o => o.Store = "sqlite:" + database)
            .AddSuppressionList();
        more?.Invoke(services);
        return services.BuildServiceProvider();
    }

    private static MimeMessage Message(params string[] to)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("news@example.com"));
        foreach (var address in to)
        {
            message.To.Add(MailboxAddress.Parse(address));
        }

        message.Subject = "Hello";
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("example.com");
        message.Body = new TextPart("plain") { Text = "Hello" };
        return message;
    }
}
