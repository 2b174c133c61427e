using System.ComponentModel.DataAnnotations;
using MailSender.Internal;

namespace MailSender;

/// <summary>
/// How SMTP endpoints are detected (section <c>MailSender:Smtp:Detection</c>). Detection runs when the transport URI has no
/// port and <c>security=auto</c>, e.g. <c>smtp://smtp.example.com</c>, and for <c>mailsender probe</c>.
/// </summary>
public class SmtpDetectionOptions
{
    /// <summary>Gets or sets the ports probed in parallel. 465 is probed with implicit TLS; 587, 25 and 2525 with STARTTLS; any other port both ways.</summary>
    /// <value>The default is empty: 465, 587, 25 and 2525. Each port is from 1 to 65535.</value>
    [Required]
    public IList<int> Ports { get; set; } = [];

    /// <summary>Gets or sets how long one probe (connection, TLS, greeting, EHLO, optional AUTH) may take; the whole detection takes about as long.</summary>
    /// <value>The default is 10 seconds; from 1 ms to 1 day.</value>
    [TimeSpanRange(MailSenderDefaults.MinTimeoutText, MailSenderDefaults.MaxDurationText)]
    public TimeSpan ProbeTimeout { get; set; } = MailSenderDefaults.ProbeTimeout;

    /// <summary>Gets or sets how long a transport keeps using a detected endpoint before detecting again.</summary>
    /// <value>The default is 1 hour; from 0 (detect before every new connection) to 7 days.</value>
    [TimeSpanRange("00:00:00", MailSenderDefaults.MaxCacheLifetimeText)]
    public TimeSpan CacheLifetime { get; set; } = MailSenderDefaults.CacheLifetime;

    /// <summary>Gets or sets a value indicating whether the DNS SRV records <c>_submissions._tcp.DOMAIN</c> and <c>_submission._tcp.DOMAIN</c> are looked up.</summary>
    /// <value>The default is <see langword="true"/>. Host names that are IP addresses are never looked up.</value>
    public bool UseDnsSrv { get; set; } = true;

    /// <summary>Gets or sets the DNS servers for SRV lookups, as <c>IP</c> or <c>IP:PORT</c>.</summary>
    /// <value>The default is empty: the system's resolvers.</value>
    [Required]
    public IList<string> DnsServers { get; set; } = [];
}
