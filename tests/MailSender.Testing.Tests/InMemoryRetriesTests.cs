using MailSender.Testing;
using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MailSender.Testing.Tests;

/// <summary>
/// The senders' retries under <c>AddInMemoryEmailTransport</c>. The clock is a fake that never moves on its own: a retry
/// that waited for any delay would never complete, so finishing at all proves the retries were immediate.
/// </summary>
public class InMemoryRetriesTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Default_TransientFailures_RetriedWithoutWaiting()
    {
        await using var provider = Build(retries: null);
        var mail = provider.GetRequiredService<InMemoryEmailTransport>();
        mail.FailNext(2, EmailErrorKind.ServerBusy, statusCode: 421);

        var result = await provider.GetRequiredService<IEmailSender>().SendAsync(TestMessages.WithSubject("Hi", "ann@example.com")).WaitAsync(Guard);

        Assert.Equal(3, result.Attempts);
        mail.ShouldHaveSent();
    }

    [Fact]
    public async Task Default_ThrottlingReply_AlsoRetriedWithoutWaiting()
    {
        // A throttling reply normally waits ThrottledDelay (30 s), whatever the back-off says.
        await using var provider = Build(retries: null);
        var mail = provider.GetRequiredService<InMemoryEmailTransport>();
        mail.FailNext(1, EmailErrorKind.ServerBusy, statusCode: 421);
        mail.FailNext(1, () => new EmailSendException(EmailErrorKind.ServerBusy, "451 4.7.1 rate limited, slow down") { IsTransient = true, StatusCode = 451, EnhancedStatusCode = "4.7.1" });

        var result = await provider.GetRequiredService<IEmailSender>().SendAsync(TestMessages.WithSubject("Hi", "ann@example.com")).WaitAsync(Guard);

        Assert.True(result.Attempts >= 2);
    }

    [Fact]
    public async Task Off_FailureReachesTheCallerAfterOneAttempt()
    {
        await using var provider = Build(InMemoryRetries.Off);
        var mail = provider.GetRequiredService<InMemoryEmailTransport>();
        mail.FailNext(1, EmailErrorKind.ServerBusy, statusCode: 421);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => provider.GetRequiredService<IEmailSender>().SendAsync(TestMessages.WithSubject("Hi", "ann@example.com")).WaitAsync(Guard));

        Assert.Equal(EmailErrorKind.ServerBusy, error.Kind);
        mail.ShouldHaveSentNothing();
    }

    [Fact]
    public async Task AsConfigured_KeepsTheApplicationsDelays()
    {
        await using var provider = Build(InMemoryRetries.AsConfigured);
        var mail = provider.GetRequiredService<InMemoryEmailTransport>();
        var clock = provider.GetRequiredService<FakeTimeProvider>();
        mail.FailNext(1, EmailErrorKind.ServerBusy, statusCode: 421);

        var send = provider.GetRequiredService<IEmailSender>().SendAsync(TestMessages.WithSubject("Hi", "ann@example.com"));

        // The retry waits for its 5 s delay on the fake clock.
        await Task.Delay(200);
        Assert.False(send.IsCompleted);
        for (var i = 0; i < 50 && !send.IsCompleted; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        Assert.Equal(2, (await send.WaitAsync(Guard)).Attempts);
        Assert.Equal(TimeSpan.FromSeconds(5), provider.GetRequiredService<IOptionsMonitor<MailSenderOptions>>().Get(Options.DefaultName).Resilience.Retry.Delay);
    }

    [Fact]
    public async Task LaterCall_ItsRetriesWin()
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.DefaultFrom = "app@example.com");
        services.AddInMemoryEmailTransport();
        services.AddInMemoryEmailTransport(o => o.Retries = InMemoryRetries.Off);
        await using var provider = services.BuildServiceProvider();

        Assert.False(provider.GetRequiredService<IOptionsMonitor<MailSenderOptions>>().Get(Options.DefaultName).Resilience.Retry.Enabled);
    }

    private static ServiceProvider Build(InMemoryRetries? retries)
    {
        var services = new ServiceCollection();
        var clock = new FakeTimeProvider();
        services.AddSingleton(clock);
        services.AddSingleton<TimeProvider>(clock);
        services.AddMailSender(o =>
        {
            o.DefaultFrom = "app@example.com";
            o.Resilience.Retry.Delay = TimeSpan.FromSeconds(5);
            o.Resilience.Retry.UseJitter = false;
        });
        if (retries is { } mode)
        {
            services.AddInMemoryEmailTransport(o => o.Retries = mode);
        }
        else
        {
            services.AddInMemoryEmailTransport();
        }

        return services.BuildServiceProvider();
    }
}
