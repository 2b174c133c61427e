using System.Globalization;
using Microsoft.Extensions.Logging;

namespace MailSender.Providers;

/// <summary>Applies a provider's documented send rate to the rate limiter, unless the user configured a rate, and logs what the preset chose.</summary>
internal static class ProviderRateLimits
{
    public static ResilienceOptions Apply(ResilienceOptions options, IEmailTransport transport, ILogger logger)
    {
        if (transport is not IProviderRateLimits { ProviderId: { } providerId } limits)
        {
            return options;
        }

        var applied = limits.AppliedLimits.ToList();
        var result = options;
        if (options.Enabled && options.MaxMessagesPerSecond is null && options.MaxMessagesPerMinute is null &&
            (limits.MaxMessagesPerSecond is not null || limits.MaxMessagesPerMinute is not null))
        {
            result = options.Clone();
            result.MaxMessagesPerSecond = limits.MaxMessagesPerSecond;
            result.MaxMessagesPerMinute = limits.MaxMessagesPerMinute;
            applied.AddRange(new[] { ("Resilience.MaxMessagesPerSecond", limits.MaxMessagesPerSecond), ("Resilience.MaxMessagesPerMinute", limits.MaxMessagesPerMinute) }
                .Where(r => r.Item2 is not null)
                .Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Item1}={r.Item2}")));
        }

        if (applied.Count > 0)
        {
            Log.PresetLimitsApplied(logger, providerId, string.Join(", ", applied));
        }

        return result;
    }
}
