using MailSender.Testing;
using MailSender.TestSupport;
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

        var message = TestMessages.WithSubject("Welcome", "ann@example.com");
        message.Bcc.Add(new MailboxAddress("", "secret@example.com"));

        var result = await provider.GetRequiredService<IEmailSender>().SendAsync(message);

        var sent = transport.ShouldHaveSent(m => m.Subject == "Welcome");
        Assert.Equal(["ann@example.com", "secret@example.com"], sent.Recipients);
        Assert.Equal(TestMessages.From, sent.Sender);
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

        await provider.GetRequiredKeyedService<IEmailSender>("bulk").SendAsync(TestMessages.WithSubject("Bulk", "bob@example.com"));

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

        var first = await Assert.ThrowsAsync<EmailSendException>(() => sender.SendAsync(TestMessages.WithSubject("1", "a@example.com")));
        var second = await Assert.ThrowsAsync<EmailSendException>(() => sender.SendAsync(TestMessages.WithSubject("2", "a@example.com")));
        await sender.SendAsync(TestMessages.WithSubject("3", "a@example.com"));

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

        var result = await sender.SendAsync(TestMessages.WithSubject("1", "a@example.com"));

        Assert.Equal(2, result.Attempts);
        Assert.Equal("1", transport.ShouldHaveSent().Subject);
    }

    [Fact]
    public async Task FailNext_PermanentOverride_IsNotTransient()
    {
        var transport = new InMemoryEmailTransport();
        transport.FailNext(1, EmailErrorKind.ServerBusy, isTransient: false);

        var ex = await Assert.ThrowsAsync<EmailSendException>(() => Sender(transport).SendAsync(TestMessages.WithSubject("x", "a@example.com")));

        Assert.False(ex.IsTransient);
        transport.ShouldHaveSentNothing();
    }

    [Fact]
    public async Task ShouldHaveSent_NoMatch_ListsWhatWasSent()
    {
        var transport = new InMemoryEmailTransport();
        await Sender(transport).SendAsync(TestMessages.WithSubject("Invoice", "a@example.com"));

        var ex = Assert.Throws<EmailAssertionException>(() => transport.ShouldHaveSent(m => m.Subject == "Receipt"));

        Assert.Contains("\"Invoice\"", ex.Message, StringComparison.Ordinal);
        Assert.Throws<EmailAssertionException>(transport.ShouldHaveSentNothing);
    }

    [Fact]
    public async Task WaitForMessageAsync_MessageSentLater_Completes()
    {
        var transport = new InMemoryEmailTransport();
        var wait = transport.WaitForMessageAsync(m => m.Subject == "Later", TimeSpan.FromSeconds(10));

        await Sender(transport).SendAsync(TestMessages.WithSubject("Other", "a@example.com"));
        Assert.False(wait.IsCompleted);
        await Sender(transport).SendAsync(TestMessages.WithSubject("Later", "a@example.com"));

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
        await Sender(transport).SendAsync(TestMessages.WithSubject("x", "a@example.com"));
        transport.FailNext(1, EmailErrorKind.Timeout);

        transport.Clear();
        await Sender(transport).SendAsync(TestMessages.WithSubject("y", "a@example.com"));

        Assert.Equal("y", transport.ShouldHaveSent().Subject);
    }

    private static IEmailSender Sender(InMemoryEmailTransport transport)
    {
        var services = new ServiceCollection();
        // These tests check the transport itself; with retries on, FailNext would count attempts rather than sends.
        services.AddMailSender(o => o.Resilience.Enabled = false).UseTransport(_ => transport);
        return services.BuildServiceProvider().GetRequiredService<IEmailSender>();
    }
}
