namespace MailSender;

/// <summary>The pool's defaults, in one place.</summary>
internal static class PoolDefaults
{
    public const int MaxConnections = 5;
    public const int MaxMessagesPerConnection = 100;
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan AcquireTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan CheckAfterIdle = TimeSpan.FromSeconds(5);
}
