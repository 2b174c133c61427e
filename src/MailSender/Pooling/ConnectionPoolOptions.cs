namespace MailSender;

/// <summary>
/// Configures the pool of SMTP connections a sender keeps open and shares between concurrent sends.
/// </summary>
/// <remarks>
/// Each SMTP endpoint and identity (host, port, security, user) gets its own pool. Every option can also be
/// given as a transport URI parameter, e.g. <c>smtp://host?maxConnections=8&amp;idleTimeout=30s</c>, which wins over these values.
/// </remarks>
public class ConnectionPoolOptions
{
    /// <summary>Gets or sets the most connections open at once to one endpoint.</summary>
    /// <value>The default is 5 (as nodemailer). URI parameter: <c>maxConnections</c>.</value>
    public int MaxConnections { get; set; } = PoolDefaults.MaxConnections;

    /// <summary>Gets or sets how many messages one connection sends before it is closed and replaced.</summary>
    /// <value>The default is 100 (as nodemailer and Symfony Mailer); providers often cap this. 1 means a new connection per message. URI parameter: <c>maxMessagesPerConnection</c>.</value>
    public int MaxMessagesPerConnection { get; set; } = PoolDefaults.MaxMessagesPerConnection;

    /// <summary>Gets or sets how long a connection may stay idle before the pool closes it (servers drop idle clients anyway).</summary>
    /// <value>The default is 30 seconds. URI parameter: <c>idleTimeout</c>.</value>
    public TimeSpan IdleTimeout { get; set; } = PoolDefaults.IdleTimeout;

    /// <summary>Gets or sets the longest a connection is used, from when it was opened.</summary>
    /// <value>The default is 5 minutes. URI parameter: <c>maxLifetime</c>.</value>
    public TimeSpan MaxLifetime { get; set; } = PoolDefaults.MaxLifetime;

    /// <summary>Gets or sets how long a send may wait for a free connection before failing with "pool exhausted".</summary>
    /// <value>The default is 30 seconds. URI parameter: <c>acquireTimeout</c>.</value>
    public TimeSpan AcquireTimeout { get; set; } = PoolDefaults.AcquireTimeout;

    /// <summary>Gets or sets how long a connection may be idle before it is checked with NOOP before reuse.</summary>
    /// <value>The default is 5 seconds. URI parameter: <c>checkAfterIdle</c>.</value>
    public TimeSpan CheckAfterIdle { get; set; } = PoolDefaults.CheckAfterIdle;
}
