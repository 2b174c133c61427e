using System.ComponentModel.DataAnnotations;
using MailSender.Internal;
using Microsoft.Extensions.Options;

namespace MailSender;

/// <summary>
/// The SMTP settings of a sender (section <c>MailSender:Smtp</c>), used by <c>smtp://</c>, <c>smtps://</c>, <c>relay://</c>
/// and, where they apply, <c>direct:</c>. A transport URI parameter wins over the property it names.
/// </summary>
public class SmtpOptions
{
    /// <summary>Gets or sets how long to wait for the TCP connection, the TLS handshake, the greeting and <c>EHLO</c> together.</summary>
    /// <value>The default is 30 seconds; from 1 ms to 1 day. URI parameter: <c>connectTimeout</c>.</value>
    [TimeSpanRange(MailSenderDefaults.MinTimeoutText, MailSenderDefaults.MaxDurationText)]
    public TimeSpan ConnectTimeout { get; set; } = MailSenderDefaults.ConnectTimeout;

    /// <summary>Gets or sets how long to wait for each read or write of the conversation after connecting (a reply, a block of the message).</summary>
    /// <value>The default is 60 seconds; from 1 ms to 1 day. URI parameter: <c>timeout</c>.</value>
    [TimeSpanRange(MailSenderDefaults.MinTimeoutText, MailSenderDefaults.MaxDurationText)]
    public TimeSpan CommandTimeout { get; set; } = MailSenderDefaults.CommandTimeout;

    /// <summary>Gets or sets the name sent in <c>EHLO</c>: a domain name (<c>app.example.com</c>) or an address literal (<c>[192.0.2.1]</c>).</summary>
    /// <value>The default is <see langword="null"/>: the machine's host name. URI parameter: <c>ehlo</c>.</value>
    public string? EhloName { get; set; }

    /// <summary>Gets or sets a value indicating whether credentials may be sent over an unencrypted connection.</summary>
    /// <value>The default is <see langword="false"/>: authentication fails rather than expose a password. URI parameter: <c>allowInsecureAuth</c>.</value>
    public bool AllowInsecureAuthentication { get; set; }

    /// <summary>Gets or sets how commands and messages overlap on a connection: off, on (the standards' reading) or aggressive.</summary>
    /// <value>The default is <see cref="SmtpPipelining.On"/>. URI parameter: <c>pipelining</c>. See docs/pooling.md.</value>
    public SmtpPipelining Pipelining { get; set; } = SmtpPipelining.On;

    /// <summary>Gets or sets how many transactions may be outstanding on one connection with <see cref="SmtpPipelining.Aggressive"/>.</summary>
    /// <value>The default is 16; from 1 to 1000. URI parameter: <c>maxInFlight</c>. Other modes keep at most two (one ending, one starting).</value>
    [Range(1, MailSenderDefaults.MaxInFlightLimit)]
    public int MaxInFlight { get; set; } = MailSenderDefaults.MaxInFlight;

    /// <summary>Gets or sets which server certificates are trusted besides the system store (section <c>MailSender:Smtp:Tls</c>).</summary>
    /// <value>The default trusts the system store only.</value>
    [Required]
    public SmtpTlsOptions Tls { get; set; } = new();

    /// <summary>Gets or sets the connection pool's options (section <c>MailSender:Smtp:Pool</c>).</summary>
    /// <value>Defaults: 5 connections, 100 messages per connection, 30 s idle timeout, 5 min lifetime, 30 s acquire timeout.</value>
    [Required]
    [ValidateObjectMembers]
    public SmtpPoolOptions Pool { get; set; } = new();

    /// <summary>Gets or sets how the port and encryption are detected when an <c>smtp://</c> URI has no port (section <c>MailSender:Smtp:Detection</c>).</summary>
    /// <value>Defaults: ports 465, 587, 25 and 2525, a 10 s probe timeout, results kept for 1 hour, DNS SRV lookups through the system's resolvers.</value>
    [Required]
    [ValidateObjectMembers]
    public SmtpDetectionOptions Detection { get; set; } = new();
}
