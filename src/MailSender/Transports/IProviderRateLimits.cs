namespace MailSender;

/// <summary>A transport whose provider documents a send rate; the sender's rate limiter uses it unless a rate is configured.</summary>
internal interface IProviderRateLimits
{
    int? MaxMessagesPerSecond { get; }

    int? MaxMessagesPerMinute { get; }
}
