namespace MailSender.Pooling.Internal;

/// <summary>The resolved pool settings of one transport (options, overridden by URI parameters).</summary>
internal sealed record PoolSettings
{
    public int MaxConnections { get; init; } = PoolDefaults.MaxConnections;

    public int MaxMessagesPerConnection { get; init; } = PoolDefaults.MaxMessagesPerConnection;

    public TimeSpan IdleTimeout { get; init; } = PoolDefaults.IdleTimeout;

    public TimeSpan MaxLifetime { get; init; } = PoolDefaults.MaxLifetime;

    public TimeSpan AcquireTimeout { get; init; } = PoolDefaults.AcquireTimeout;

    public TimeSpan CheckAfterIdle { get; init; } = PoolDefaults.CheckAfterIdle;
}
