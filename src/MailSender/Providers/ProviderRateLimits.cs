namespace MailSender.Providers;

/// <summary>Applies a provider's documented send rate to the rate limiter, unless the user configured a rate.</summary>
internal static class ProviderRateLimits
{
    public static ResilienceOptions Apply(ResilienceOptions options, IEmailTransport transport)
    {
        if (transport is not IProviderRateLimits limits || options.MaxMessagesPerSecond is not null || options.MaxMessagesPerMinute is not null ||
            (limits.MaxMessagesPerSecond is null && limits.MaxMessagesPerMinute is null))
        {
            return options;
        }

        var applied = options.Clone();
        applied.MaxMessagesPerSecond = limits.MaxMessagesPerSecond;
        applied.MaxMessagesPerMinute = limits.MaxMessagesPerMinute;
        return applied;
    }
}
