namespace MailSender;

/// <summary>A transport configured from a provider preset; the sender's rate limiter uses its documented rate unless a rate is configured.</summary>
internal interface IProviderRateLimits
{
    /// <summary>Gets the preset's id, or <see langword="null"/> when the transport matches no preset.</summary>
    string? ProviderId { get; }

    int? MaxMessagesPerSecond { get; }

    int? MaxMessagesPerMinute { get; }

    /// <summary>Gets the pool settings the preset chose (e.g. <c>maxMessagesPerConnection=5000</c>), for the log.</summary>
    IReadOnlyList<string> AppliedLimits { get; }
}
