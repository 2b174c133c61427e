using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailSender.Tests.DependencyInjection;

/// <summary>The resilience options: bound from their section (Polly's option types nested), validated by name.</summary>
public class ResilienceOptionsBindingTests
{
    [Fact]
    public void Options_AreBoundFromTheResilienceSection()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MailSender:Transport"] = "pickup:" + Path.GetTempPath(),
            ["MailSender:Resilience:Retry:MaxRetryAttempts"] = "5",
            ["MailSender:Resilience:Retry:ThrottledDelay"] = "00:01:00",
            ["MailSender:Resilience:Retry:AllowAtLeastOnce"] = "true",
            ["MailSender:Resilience:RateLimit:MessagesPerSecond"] = "14",
            ["MailSender:Resilience:AttemptTimeout:Timeout"] = "00:00:40",
            ["MailSender:Resilience:CircuitBreaker:BreakDuration"] = "00:00:07",
        }).Build();
        using var provider = new ServiceCollection().AddMailSender(configuration.GetSection("MailSender")).Services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<MailSenderOptions>>().Get(Options.DefaultName).Resilience;

        Assert.Equal((5, TimeSpan.FromMinutes(1), 14, true), (options.Retry.MaxRetryAttempts, options.Retry.ThrottledDelay, options.RateLimit.MessagesPerSecond, options.Retry.AllowAtLeastOnce));
        Assert.Equal((TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(7)), (options.AttemptTimeout.Timeout, options.CircuitBreaker.BreakDuration));
        Assert.True(options.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Retry.Delay);
    }

    [Fact]
    public void Options_Invalid_ReportsEverySettingByName()
    {
        using var provider = new ServiceCollection().AddMailSender(o =>
        {
            o.Transport = "pickup:" + Path.GetTempPath();
            o.Resilience.Retry.MaxRetryAttempts = 0;
            o.Resilience.CircuitBreaker.FailureRatio = 1.5;
            o.Resilience.CircuitBreaker.MinimumThroughput = 1;
            o.Resilience.AttemptTimeout.Timeout = TimeSpan.Zero;
            o.Resilience.RateLimit.MessagesPerMinute = 0;
        }).Services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IEmailSender>());

        foreach (var setting in new[] { "Retry:MaxRetryAttempts", "CircuitBreaker:FailureRatio", "CircuitBreaker:MinimumThroughput", "AttemptTimeout:Timeout", "RateLimit:MessagesPerMinute" })
        {
            Assert.Contains(error.Failures, f => f.StartsWith("MailSender:Resilience:" + setting + " ", StringComparison.Ordinal));
        }
    }
}
