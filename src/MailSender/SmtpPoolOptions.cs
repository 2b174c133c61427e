using System.ComponentModel.DataAnnotations;
using MailSender.Internal;

namespace MailSender;

/// <summary>
/// Configures the pool of SMTP connections a sender keeps open and shares between concurrent sends (section <c>MailSender:Smtp:Pool</c>).
/// </summary>
/// <remarks>
/// Each SMTP endpoint and identity (host, port, security, user) gets its own pool. Every option can also be
/// given as a transport URI parameter, e.g. <c>smtp://host?maxConnections=8&amp;idleTimeout=30s</c>, which wins over these values.
/// </remarks>
public class SmtpPoolOptions
{
    /// <summary>Gets or sets the most connections open at once to one endpoint.</summary>
    /// <value>The default is 5 (as nodemailer); from 1 to 1000. URI parameter: <c>maxConnections</c>.</value>
    [Range(1, MailSenderDefaults.MaxConnectionsLimit)]
    public int MaxConnections { get; set; } = MailSenderDefaults.MaxConnections;

    /// <summary>Gets or sets how many messages one connection sends before it is closed and replaced.</summary>
    /// <value>The default is 100 (as nodemailer and Symfony Mailer); providers often cap this. 1 means a new connection per message. URI parameter: <c>maxMessagesPerConnection</c>.</value>
    [Range(1, int.MaxValue)]
    public int MaxMessagesPerConnection { get; set; } = MailSenderDefaults.MaxMessagesPerConnection;

    /// <summary>Gets or sets how long a connection may stay idle before the pool closes it (servers drop idle clients anyway).</summary>
    /// <value>The default is 30 seconds; from 1 ms to 1 day. URI parameter: <c>idleTimeout</c>.</value>
    [TimeSpanRange(MailSenderDefaults.MinTimeoutText, MailSenderDefaults.MaxDurationText)]
    public TimeSpan IdleTimeout { get; set; } = MailSenderDefaults.IdleTimeout;

    /// <summary>Gets or sets the longest a connection is used, from when it was opened.</summary>
    /// <value>The default is 5 minutes; from 1 ms to 1 day. URI parameter: <c>maxLifetime</c>.</value>
    [TimeSpanRange(MailSenderDefaults.MinTimeoutText, MailSenderDefaults.MaxDurationText)]
    public TimeSpan MaxLifetime { get; set; } = MailSenderDefaults.MaxLifetime;

    /// <summary>Gets or sets how long a send may wait for a free connection before failing with "pool exhausted".</summary>
    /// <value>The default is 30 seconds; from 1 ms to 1 day. URI parameter: <c>acquireTimeout</c>.</value>
    [TimeSpanRange(MailSenderDefaults.MinTimeoutText, MailSenderDefaults.MaxDurationText)]
    public TimeSpan AcquireTimeout { get; set; } = MailSenderDefaults.AcquireTimeout;

    /// <summary>Gets or sets how long a connection may be idle before it is checked with NOOP before reuse.</summary>
    /// <value>The default is 5 seconds; from 1 ms to 1 day. URI parameter: <c>checkAfterIdle</c>.</value>
    [TimeSpanRange(MailSenderDefaults.MinTimeoutText, MailSenderDefaults.MaxDurationText)]
    public TimeSpan CheckAfterIdle { get; set; } = MailSenderDefaults.CheckAfterIdle;
}
