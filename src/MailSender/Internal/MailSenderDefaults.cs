namespace MailSender.Internal;

/// <summary>
/// The defaults and limits of every option, in one place. The <c>[Range]</c> attributes on the options repeat the
/// limits as text (attributes take constants only).
/// </summary>
internal static class MailSenderDefaults
{
    public const int SmtpPort = 587;
    public const int SmtpsPort = 465;

    /// <summary>The longest duration a timeout or pool setting accepts: a timer's period must stay far below <see cref="int.MaxValue"/> milliseconds (24.8 days).</summary>
    public const string MaxDurationText = "1.00:00:00";

    /// <summary>The shortest timeout accepted.</summary>
    public const string MinTimeoutText = "00:00:00.001";

    /// <summary>How long a detected endpoint may be kept at most (it is only compared, never a timer).</summary>
    public const string MaxCacheLifetimeText = "7.00:00:00";

    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(1);

    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    public const int MaxConnections = 5;
    public const int MaxConnectionsLimit = 1000;
    public const int MaxMessagesPerConnection = 100;
    public const int MaxInFlight = 16;
    public const int MaxInFlightLimit = 1000;
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan AcquireTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan CheckAfterIdle = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromHours(1);

    public const int MaxRetryAttempts = 3;
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan RetryMaxDelay = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan ThrottledDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan TotalTimeout = TimeSpan.FromMinutes(5);
    public const double CircuitBreakerFailureRatio = 0.5;
    public const int CircuitBreakerMinimumThroughput = 5;
    public static readonly TimeSpan CircuitBreakerSamplingDuration = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan CircuitBreakerBreakDuration = TimeSpan.FromSeconds(30);

    /// <summary>The environment variable read for the password when a user name is configured and no password is.</summary>
    public const string PasswordEnvironmentVariable = "MAILSENDER_PASSWORD";
}
