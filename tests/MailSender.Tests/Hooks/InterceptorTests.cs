using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Xunit;

namespace MailSender.Tests.Hooks;

public sealed class InterceptorTests
{
    [Fact]
    public async Task SendAsync_InterceptorChangesMessage_TransportGetsChangedMessage()
    {
        var transport = new RecordingTransport();
        await using var provider = HookTestHost.Build(transport, build: b => b.AddInterceptor(_ => new DelegateInterceptor(c =>
        {
            c.Message.Subject = "[staging] " + c.Message.Subject;
            c.Message.Headers.Add("X-Tenant", "blue");
        })));

        await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message());

        var (message, _) = Assert.Single(transport.Sent);
        Assert.Equal("[staging] Hello", message.Subject);
        Assert.Equal("blue", message.Headers["X-Tenant"]);
    }

    [Fact]
    public async Task SendAsync_InterceptorAddsBcc_EnvelopeFollowsHeaders()
    {
        var transport = new RecordingTransport();
        await using var provider = HookTestHost.Build(transport, build: b => b.AddInterceptor(_ => new DelegateInterceptor(c => c.Message.Bcc.Add(MailboxAddress.Parse("archive@example.com")))));

        await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message());

        Assert.Equal(["ann@example.com", "archive@example.com"], transport.LastRecipients);
    }

    [Fact]
    public async Task SendAsync_InterceptorReplacesEnvelope_HeadersStayAndEnvelopeIsUsed()
    {
        var transport = new RecordingTransport();
        await using var provider = HookTestHost.Build(transport, build: b => b.AddInterceptor(_ => new DelegateInterceptor(c =>
            c.Envelope = new MailEnvelope(c.Envelope.Sender, [MailboxAddress.Parse("other@example.org")]))));

        await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message());

        Assert.Equal(["other@example.org"], transport.LastRecipients);
        Assert.Equal("ann@example.com", transport.Sent.Single().Message.To.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task SendAsync_Vetoed_ThrowsVetoedNothingSentLaterInterceptorsSkipped()
    {
        var transport = new RecordingTransport();
        var laterRan = false;
        await using var provider = HookTestHost.Build(transport, build: b => b
            .AddInterceptor(_ => new DelegateInterceptor(c => c.Veto("the user unsubscribed")))
            .AddInterceptor(_ => new DelegateInterceptor(_ => laterRan = true)));

        var error = await Assert.ThrowsAsync<EmailSendException>(() => provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message()));

        Assert.Equal(EmailErrorKind.Vetoed, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("the user unsubscribed", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(DelegateInterceptor), error.Message, StringComparison.Ordinal);
        Assert.Empty(transport.Sent);
        Assert.False(laterRan);
    }

    [Fact]
    public async Task SendAsync_InterceptorInjectsLineBreak_MessageCheckedAgainAndRefused()
    {
        var transport = new RecordingTransport();
        await using var provider = HookTestHost.Build(transport, build: b => b.AddInterceptor(_ => new DelegateInterceptor(c =>
        {
            // An interceptor copying user input into a header must not open a header-injection hole.
            var header = new Header("X-Campaign", "x");
            header.SetRawValue("spring\r\nBcc: victim@example.net\r\n"u8.ToArray());
            c.Message.Headers.Add(header);
        })));

        var error = await Assert.ThrowsAsync<EmailSendException>(() => provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message()));

        Assert.Equal(EmailErrorKind.InvalidMessage, error.Kind);
        Assert.Empty(transport.Sent);
    }

    [Fact]
    public async Task SendAsync_InterceptorThrows_ExceptionReachesCallerNothingSent()
    {
        var transport = new RecordingTransport();
        await using var provider = HookTestHost.Build(transport, build: b => b.AddInterceptor(_ => new DelegateInterceptor(_ => throw new InvalidOperationException("tenant lookup failed"))));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message()));

        Assert.Equal("tenant lookup failed", error.Message);
        Assert.Empty(transport.Sent);
    }

    [Fact]
    public async Task SendAsync_SeveralInterceptors_ServiceRegisteredFirstThenSendersOwnInOrderRedirectLast()
    {
        var order = new List<string>();
        var transport = new RecordingTransport();
        await using var provider = HookTestHost.Build(
            transport,
            configure: o => o.Redirect.To = "qa@example.com",
            build: b =>
            {
                b.AddInterceptor(_ => new DelegateInterceptor(c => order.Add("own 1")));
                b.Services.AddSingleton<IEmailInterceptor>(new DelegateInterceptor(c => order.Add("global")));
                b.AddInterceptor(_ => new DelegateInterceptor(c =>
                {
                    order.Add("own 2");

                    // Added by an interceptor, still redirected: the redirect runs after every interceptor.
                    c.Message.Cc.Add(MailboxAddress.Parse("boss@example.net"));
                }));
            });

        await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message());

        Assert.Equal(["global", "own 1", "own 2"], order);
        Assert.Equal(["qa@example.com"], transport.LastRecipients);
    }

    [Fact]
    public async Task SendAsync_NamedSender_OwnInterceptorAppliesToThatSenderOnly()
    {
        var transport = new RecordingTransport();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMailSender(o => { o.DefaultFrom = "app@example.com"; o.Resilience.Enabled = false; }).UseTransport(_ => transport);
        services.AddMailSender("marketing", o => { o.DefaultFrom = "news@example.com"; o.Resilience.Enabled = false; })
            .UseTransport(_ => transport)
            .AddInterceptor(_ => new DelegateInterceptor(c => c.Message.Headers.Add("X-Sender-Name", c.SenderName)));
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message());
        await provider.GetRequiredKeyedService<IEmailSender>("marketing").SendAsync(HookTestHost.Message());

        var sent = transport.Sent.ToArray();
        Assert.Null(sent[0].Message.Headers["X-Sender-Name"]);
        Assert.Equal("marketing", sent[1].Message.Headers["X-Sender-Name"]);
    }

    [Fact]
    public async Task SendAsync_TypedInterceptor_CreatedByContainerWithItsServices()
    {
        var transport = new RecordingTransport();
        await using var provider = HookTestHost.Build(transport, build: b =>
        {
            b.Services.AddSingleton(new TenantName("green"));
            b.AddInterceptor<TenantHeaderInterceptor>();
        });

        await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message());

        Assert.Equal("green", transport.Sent.Single().Message.Headers["X-Tenant"]);
    }

    [Fact]
    public async Task SendAsync_WithRetries_InterceptorRunsOncePerSend()
    {
        var transport = new FlakyTransport(failures: 2);
        var calls = 0;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMailSender(o =>
        {
            o.DefaultFrom = "app@example.com";
            o.Resilience.Retry.Delay = TimeSpan.Zero;
            o.Resilience.Retry.UseJitter = false;
        }).UseTransport(_ => transport).AddInterceptor(_ => new DelegateInterceptor(c =>
        {
            Interlocked.Increment(ref calls);
            c.Message.Headers.Add("X-Once", "1");
        }));
        await using var provider = services.BuildServiceProvider();

        var result = await provider.GetRequiredService<IEmailSender>().SendAsync(HookTestHost.Message());

        Assert.Equal(3, result.Attempts);
        Assert.Equal(1, calls);
        Assert.Single(transport.Delivered!.Headers, h => h.Field == "X-Once");
    }

    [Fact]
    public async Task SendAsync_GivenEnvelope_KeptThroughInterceptorsNotWidenedToTheHeaders()
    {
        // The outbox resends a deferred message to the recipients that do not have it yet: an interceptor that leaves
        // the envelope alone must not turn that back into every recipient the headers name.
        var transport = new RecordingTransport();
        await using var provider = HookTestHost.Build(transport, build: b => b.AddInterceptor(_ => new DelegateInterceptor(c => c.Message.Headers.Add("X-Seen", "1"))));
        var sender = Assert.IsType<MailSender.Sending.DefaultEmailSender>(provider.GetRequiredService<IEmailSender>());
        var message = HookTestHost.Message("ann@example.com, bob@example.com");

        await sender.SendAsync(message, new MailEnvelope(MailboxAddress.Parse("app@example.com"), [MailboxAddress.Parse("bob@example.com")]), CancellationToken.None);

        Assert.Equal(["bob@example.com"], transport.LastRecipients);
    }

    [Fact]
    public async Task SendAsync_GivenEnvelopeAndRedirect_RedirectAppliesToTheGivenEnvelope()
    {
        var transport = new RecordingTransport();
        await using var provider = HookTestHost.Build(transport, configure: o => o.Redirect.To = "qa@example.com");
        var sender = Assert.IsType<MailSender.Sending.DefaultEmailSender>(provider.GetRequiredService<IEmailSender>());

        await sender.SendAsync(HookTestHost.Message("ann@example.com"), new MailEnvelope(MailboxAddress.Parse("app@example.com"), [MailboxAddress.Parse("hidden@example.net")]), CancellationToken.None);

        Assert.Equal(["qa@example.com"], transport.LastRecipients);
        Assert.Equal("hidden@example.net", transport.Sent.Single().Message.Headers["X-Original-To"]);
    }

    internal sealed record TenantName(string Value);

    private sealed class TenantHeaderInterceptor(TenantName tenant) : IEmailInterceptor
    {
        public ValueTask OnSendingAsync(EmailSendingContext context, CancellationToken cancellationToken)
        {
            context.Message.Headers.Replace("X-Tenant", tenant.Value);
            return default;
        }
    }

    private sealed class FlakyTransport(int failures) : IEmailTransport
    {
        private int _failures = failures;

        public MimeMessage? Delivered { get; private set; }

        public string Name => "flaky:";

        public Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Decrement(ref _failures) >= 0)
            {
                throw new EmailSendException(EmailErrorKind.ServerBusy, "421 try later") { IsTransient = true, StatusCode = 421 };
            }

            Delivered = message;
            return Task.FromResult(new SendResult { MessageId = message.MessageId!, Transport = Name, AcceptedRecipients = ["ann@example.com"] });
        }
    }
}

internal sealed class DelegateInterceptor(Action<EmailSendingContext> action) : IEmailInterceptor
{
    public ValueTask OnSendingAsync(EmailSendingContext context, CancellationToken cancellationToken)
    {
        action(context);
        return default;
    }
}
