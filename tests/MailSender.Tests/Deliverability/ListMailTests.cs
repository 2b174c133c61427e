using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailSender.Tests.Deliverability;

public sealed class ListMailTests : IDisposable
{
    private static readonly string Secret = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mailsender-listmail-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task ListMessage_GetsBothOneClickHeaders_WithATokenForItsRecipient()
    {
        IUnsubscribeTokens? tokens = null;
        await using (var host = Host(services => services.AddOneClickUnsubscribe(Configure)))
        {
            tokens = host.Provider.GetRequiredService<IUnsubscribeTokens>();
            await host.Sender.SendAsync(ListMessage("ann@example.org"));
        }

        var sent = Sent();
        Assert.Equal("List-Unsubscribe=One-Click", sent.Headers[HeaderId.ListUnsubscribePost]);
        var value = sent.Headers[HeaderId.ListUnsubscribe]!;
        Assert.StartsWith("<https://example.com/unsubscribe/", value, StringComparison.Ordinal);
        var token = value["<https://example.com/unsubscribe/".Length..value.IndexOf('>', StringComparison.Ordinal)];
        var result = tokens.Validate(token);
        Assert.True(result.IsValid);
        Assert.Equal("ann@example.org", result.Address);
        Assert.Equal("news.example.com", result.List);
    }

    [Fact]
    public async Task MessageWithoutListId_GetsNoUnsubscribeHeaders()
    {
        await using (var host = Host(services => services.AddOneClickUnsubscribe(Configure)))
        {
            await host.Sender.SendAsync(TestMessages.Text("Your receipt.", "ann@example.org"));
        }

        Assert.False(Sent().Headers.Contains(HeaderId.ListUnsubscribe));
    }

    [Fact]
    public async Task ListMessage_WithItsOwnListUnsubscribe_IsLeftAsItIs()
    {
        var message = ListMessage("ann@example.org");
        message.Headers.Add(HeaderId.ListUnsubscribe, "<https://lists.example.com/u/1>");
        await using (var host = Host(services => services.AddOneClickUnsubscribe(Configure)))
        {
            await host.Sender.SendAsync(message);
        }

        Assert.Equal("<https://lists.example.com/u/1>", Sent().Headers[HeaderId.ListUnsubscribe]);
        Assert.False(Sent().Headers.Contains(HeaderId.ListUnsubscribePost));
    }

    [Fact]
    public async Task ListMessage_ToTwoRecipients_IsRefusedAndNothingIsWritten()
    {
        await using var host = Host(services => services.AddOneClickUnsubscribe(Configure));

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(ListMessage("ann@example.org", "bob@example.org")));

        Assert.Equal(EmailErrorKind.Vetoed, error.Kind);
        Assert.Contains("one message per recipient", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder) && Directory.EnumerateFiles(_folder, "*.eml").Any());
    }

    [Fact]
    public async Task BadUnsubscribeOptions_FailAtStartUp_NamingTheSetting()
    {
        var services = new ServiceCollection();
        services.AddOneClickUnsubscribe(o => o.BaseUrl = "http://example.com/u");
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<UnsubscribeOptions>>().Value);

        Assert.Contains("MailSender:Unsubscribe: BaseUrl", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Suppressed_ForThatList_IsRefusedBeforeTheWire_WithTheReason()
    {
        await using var host = Host(services => services.AddSuppressionList());
        await host.Provider.GetRequiredService<IEmailSuppressionList>().AddAsync(new EmailSuppression("ANN@example.org", SuppressionReason.Unsubscribed, "news.example.com"));

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(ListMessage("ann@example.org")));

        Assert.Equal(EmailErrorKind.Vetoed, error.Kind);
        Assert.Contains("suppressed for list 'news.example.com' (unsubscribed)", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder) && Directory.EnumerateFiles(_folder, "*.eml").Any());
    }

    [Fact]
    public async Task SuppressedForAnotherList_IsSent()
    {
        await using (var host = Host(services => services.AddSuppressionList()))
        {
            await host.Provider.GetRequiredService<IEmailSuppressionList>().AddAsync(new EmailSuppression("ann@example.org", SuppressionReason.Unsubscribed, "offers.example.com"));
            await host.Sender.SendAsync(ListMessage("ann@example.org"));
        }

        Assert.Equal("ann@example.org", Sent().To.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task GlobalEntry_StopsListMail_ButNotOtherMail_UnlessCheckEverySend()
    {
        var bounce = new EmailSuppression("ann@example.org", SuppressionReason.HardBounce) { Detail = "5.1.1 user unknown" };
        await using (var host = Host(services => services.AddSuppressionList()))
        {
            await host.Provider.GetRequiredService<IEmailSuppressionList>().AddAsync(bounce);
            var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(ListMessage("ann@example.org")));
            Assert.Contains("suppressed for all mail (mail to it bounced permanently: 5.1.1 user unknown)", error.Message, StringComparison.Ordinal);
            await host.Sender.SendAsync(TestMessages.Text("Your receipt.", "ann@example.org"));
        }

        Assert.Single(Directory.GetFiles(_folder, "*.eml"));
        await using (var strict = Host(services => services.AddSuppressionList(o => o.CheckEverySend = true)))
        {
            await strict.Provider.GetRequiredService<IEmailSuppressionList>().AddAsync(bounce);
            var error = await Assert.ThrowsAsync<EmailSendException>(() => strict.Sender.SendAsync(TestMessages.Text("Your receipt.", "bob@example.org", "ann@example.org")));
            Assert.Equal(EmailErrorKind.Vetoed, error.Kind);
        }

        Assert.Single(Directory.GetFiles(_folder, "*.eml"));
    }

    [Fact]
    public async Task InMemoryList_AddIsIdempotent_RemoveWorksPerList()
    {
        var services = new ServiceCollection().AddSuppressionList();
        await using var provider = services.BuildServiceProvider();
        var list = provider.GetRequiredService<IEmailSuppressionList>();

        await list.AddAsync(new EmailSuppression("ann@example.org", SuppressionReason.Unsubscribed, "news") { Detail = "first" });
        await list.AddAsync(new EmailSuppression("ann@example.org", SuppressionReason.Complaint, "news") { Detail = "second" });

        Assert.Equal("first", (await list.FindAsync("Ann@Example.org", "news"))!.Detail);
        Assert.Null(await list.FindAsync("ann@example.org", null));
        Assert.False(await list.RemoveAsync("ann@example.org", null));
        Assert.True(await list.RemoveAsync("ann@example.org", "news"));
        Assert.Null(await list.FindAsync("ann@example.org", "news"));
    }

    private static void Configure(UnsubscribeOptions options)
    {
        options.BaseUrl = "https://example.com/unsubscribe";
        options.Keys.Add(new UnsubscribeKey { Id = "k1", Secret = Secret });
    }

    private static MimeMessage ListMessage(params string[] to)
    {
        var message = TestMessages.Text("This week's news.", to);
        message.Headers.Add(HeaderId.ListId, "News <news.example.com>");
        return message;
    }

    private MailSenderHost Host(Action<IServiceCollection> services) =>
        MailSenderHost.Create("pickup:" + _folder + "?envelope=false", configure: null, build: b => services(b.Services));

    private MimeMessage Sent() => MimeMessage.Load(Assert.Single(Directory.GetFiles(_folder, "*.eml")));
}
