using MailSender.Testing;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailSender.Testing.Tests;

public class InMemoryEmailTransportTests
{
    [Fact]
    public async Task AddInMemoryEmailTransport_ReplacesConfiguredSmtpTransport()
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.Transport = "smtp://smtp.invalid.example:587");
        services.AddInMemoryEmailTransport();
        await using var provider = services.BuildServiceProvider();
        var transport = provider.GetRequiredService<InMemoryEmailTransport>();

        var result = await provider.GetRequiredService<IEmailSender>().SendAsync(Message("ann@example.com", "Welcome"));

        var sent = transport.ShouldHaveSent(m => m.Subject == "Welcome");
        Assert.Equal(["ann@example.com", "secret@example.com"], sent.Recipients);
        Assert.Equal("from@example.com", sent.Sender);
        Assert.Equal("memory:", result.Transport);
        Assert.Equal(sent.Message.MessageId, result.MessageId);
    }

    [Fact]
    public async Task VerifyAsync_InMemoryTransport_IsReadyAndSendsNothing()
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.Transport = "smtp://smtp.invalid.example:587");
        services.AddInMemoryEmailTransport();
        await using var provider = services.BuildServiceProvider();
        var transport = provider.GetRequiredService<InMemoryEmailTransport>();

        await provider.GetRequiredService<IEmailSender>().VerifyAsync();

        Assert.Empty(transport.SentMessages);
    }

    [Fact]
    public async Task AddInMemoryEmailTransport_ReplacesCodeTransportsOfNamedSenders()
    {
        var services = new ServiceCollection();
        services.AddInMemoryEmailTransport();
        services.AddMailSender("bulk", _ => { }).UseTransport(_ => throw new InvalidOperationException("must not be created"));
        services.AddInMemoryEmailTransport();
        await using var provider = services.BuildServiceProvider();
        var transport = provider.GetRequiredService<InMemoryEmailTransport>();

        await provider.GetRequiredKeyedService<IEmailSender>("bulk").SendAsync(Message("bob@example.com", "Bulk"));

        Assert.Single(transport.FindByRecipient("BOB@example.com"));
    }

    [Fact]
    public async Task MemoryUri_WorksOnceTheTestingTransportIsRegistered()
    {
        var services = new ServiceCollection();
        services.AddInMemoryEmailTransport();
        services.AddMailSender(o =>
        {
            o.Transport = "memory:";
            o.DefaultFrom = "app@example.com";
        });
        await using var provider = services.BuildServiceProvider();
        var transport = provider.GetRequiredService<InMemoryEmailTransport>();

        await provider.GetRequiredService<IEmailSender>().SendAsync("carol@example.com", "Hi", "text", "<p>html</p>");

        var sent = Assert.Single(transport.SentMessages);
        Assert.Equal("text", sent.TextBody);
        Assert.Equal("<p>html</p>", sent.HtmlBody);
    }

    [Fact]
    public async Task FailNext_MakesExactlyTheNextSendsFail()
    {
        var transport = new InMemoryEmailTransport();
        var sender = Sender(transport);
        transport.FailNext(2, EmailErrorKind.ServerBusy, statusCode: 451);

        var first = await Assert.ThrowsAsync<EmailSendException>(() => sender.SendAsync(Message("a@example.com", "1")));
        var second = await Assert.ThrowsAsync<EmailSendException>(() => sender.SendAsync(Message("a@example.com", "2")));
        await sender.SendAsync(Message("a@example.com", "3"));

        Assert.Equal(EmailErrorKind.ServerBusy, first.Kind);
        Assert.True(first.IsTransient);
        Assert.Equal(451, second.StatusCode);
        Assert.Equal("3", transport.ShouldHaveSent().Subject);
    }

    [Fact]
    public async Task FailNext_WithBuiltInRetries_TransientFailureIsRetriedThenSent()
    {
        var transport = new InMemoryEmailTransport();
        var services = new ServiceCollection();
        services.AddMailSender(o => (o.Resilience.Retry.Delay, o.Resilience.Retry.MaxDelay) = (TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1))).UseTransport(_ => transport);
        var sender = services.BuildServiceProvider().GetRequiredService<IEmailSender>();
        transport.FailNext(1, EmailErrorKind.ServerBusy, statusCode: 421);

        var result = await sender.SendAsync(Message("a@example.com", "1"));

        Assert.Equal(2, result.Attempts);
        Assert.Equal("1", transport.ShouldHaveSent().Subject);
    }

    [Fact]
    public async Task FailNext_PermanentOverride_IsNotTransient()
    {
        var transport = new InMemoryEmailTransport();
        transport.FailNext(1, EmailErrorKind.ServerBusy, isTransient: false);

        var ex = await Assert.ThrowsAsync<EmailSendException>(() => Sender(transport).SendAsync(Message("a@example.com", "x")));

        Assert.False(ex.IsTransient);
        transport.ShouldHaveSentNothing();
    }

    [Fact]
    public async Task ShouldHaveSent_NoMatch_ListsWhatWasSent()
    {
        var transport = new InMemoryEmailTransport();
        await Sender(transport).SendAsync(Message("a@example.com", "Invoice"));

        var ex = Assert.Throws<EmailAssertionException>(() => transport.ShouldHaveSent(m => m.Subject == "Receipt"));

        Assert.Contains("\"Invoice\"", ex.Message, StringComparison.Ordinal);
        Assert.Throws<EmailAssertionException>(transport.ShouldHaveSentNothing);
    }

    [Fact]
    public async Task WaitForMessageAsync_MessageSentLater_Completes()
    {
        var transport = new InMemoryEmailTransport();
        var wait = transport.WaitForMessageAsync(m => m.Subject == "Later", TimeSpan.FromSeconds(10));

        await Sender(transport).SendAsync(Message("a@example.com", "Other"));
        Assert.False(wait.IsCompleted);
        await Sender(transport).SendAsync(Message("a@example.com", "Later"));

        Assert.Equal("Later", (await wait).Subject);
    }

    [Fact]
    public async Task WaitForMessageAsync_NothingSent_TimesOutWithAssertion()
    {
        var transport = new InMemoryEmailTransport();

        await Assert.ThrowsAsync<EmailAssertionException>(() => transport.WaitForMessageAsync(null, TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public async Task Clear_ForgetsMessagesAndFailures()
    {
        var transport = new InMemoryEmailTransport();
        await Sender(transport).SendAsync(Message("a@example.com", "x"));
        transport.FailNext(1, EmailErrorKind.Timeout);

        transport.Clear();
        await Sender(transport).SendAsync(Message("a@example.com", "y"));

        Assert.Equal("y", transport.ShouldHaveSent().Subject);
    }

    private static IEmailSender Sender(InMemoryEmailTransport transport)
    {
        var services = new ServiceCollection();
        // These tests check the transport itself; with retries on, FailNext would count attempts rather than sends.
        services.AddMailSender(o => o.Resilience.Enabled = false).UseTransport(_ => transport);
        return services.BuildServiceProvider().GetRequiredService<IEmailSender>();
    }

    private static MimeMessage Message(string to, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("", "from@example.com"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Bcc.Add(new MailboxAddress("", "secret@example.com"));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "body" };
        return message;
    }
}
