using System.Security.Cryptography.X509Certificates;

namespace MailSender.TestSupport;

/// <summary>
/// What a <see cref="ScriptedSmtpServer"/> says. The defaults make a well-behaved minimal ESMTP server; each test changes what it needs.
/// </summary>
public sealed record SmtpScript
{
    /// <summary>What <see cref="Intercept"/> returns to close the connection at that point without replying (e.g. after the final dot: received, never confirmed).</summary>
    public const string CloseSilently = "";

    /// <summary>Gets the greeting line, sent after <see cref="GreetingDelay"/>.</summary>
    public string Greeting { get; init; } = "220 scripted.test ESMTP ready";

    /// <summary>Gets how long the server waits before it sends the greeting.</summary>
    public TimeSpan GreetingDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Gets the EHLO keywords, e.g. <c>SIZE 1000</c>, <c>SMTPUTF8</c>, <c>AUTH PLAIN LOGIN</c>. STARTTLS is added when <see cref="Certificate"/> is set.</summary>
    public IReadOnlyList<string> Capabilities { get; init; } = ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"];

    /// <summary>Gets the certificate for STARTTLS; <see langword="null"/> offers no STARTTLS.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>Gets whether STARTTLS is offered on a connection by its number (from 1), e.g. only on the first, as a STARTTLS-stripping middlebox does later; <see langword="null"/> offers it on every connection when <see cref="Certificate"/> is set.</summary>
    public Func<int, bool>? OfferStartTlsOn { get; init; }

    /// <summary>
    /// Gets a value indicating whether MAIL is refused with <c>503 nested MAIL command</c> while a transaction is open, as
    /// Postfix does (a transaction whose recipients were all refused stays open until RSET).
    /// </summary>
    public bool RejectNestedMail { get; init; }

    /// <summary>Gets the reply to MAIL FROM.</summary>
    public string MailReply { get; init; } = "250 2.1.0 Ok";

    /// <summary>Gets the reply to RCPT TO for any address not in <see cref="RecipientReplies"/>.</summary>
    public string RecipientReply { get; init; } = "250 2.1.5 Ok";

    /// <summary>Gets replies to RCPT TO by address (case-insensitive), e.g. <c>["nobody@example.com"] = "550 5.1.1 no such user"</c>.</summary>
    public IReadOnlyDictionary<string, string> RecipientReplies { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the reply after the final dot.</summary>
    public string DataReply { get; init; } = "250 2.0.0 Ok: queued as SCRIPTED";

    /// <summary>
    /// Gets the base64 error challenge a server sends in a <c>334</c> reply when it refuses an OAuth 2.0 token (XOAUTH2 or OAUTHBEARER):
    /// the client must answer with an empty line before the server sends <see cref="AuthReply"/>. <see langword="null"/> sends <see cref="AuthReply"/> at once.
    /// </summary>
    public string? OAuthErrorChallenge { get; init; }

    /// <summary>Gets the reply that ends an AUTH exchange (PLAIN, LOGIN, XOAUTH2 or OAUTHBEARER).</summary>
    public string AuthReply { get; init; } = "235 2.7.0 Authentication successful";

    /// <summary>
    /// Gets a value indicating whether a line of just "." ends DATA whatever line breaks surround it (<c>LF.LF</c>, <c>CR.CR</c>, ...),
    /// as receivers vulnerable to SMTP smuggling do. A client that sends only CRLF line breaks is safe even then.
    /// </summary>
    public bool LenientEndOfData { get; init; }

    /// <summary>Gets the fault injected into every session.</summary>
    public SmtpFault Fault { get; init; } = SmtpFault.None;

    /// <summary>Gets the fault for a connection by its number (from 1), e.g. only the first; <see langword="null"/> from it, or no hook, uses <see cref="Fault"/>.</summary>
    public Func<int, SmtpFault?>? FaultOn { get; init; }

    /// <summary>Gets the greeting for a connection by its number (from 1), e.g. a 421 on the first only; <see langword="null"/> from it, or no hook, uses <see cref="Greeting"/>.</summary>
    public Func<int, string?>? GreetingOn { get; init; }

    /// <summary>Gets how many DATA bytes are read before <see cref="SmtpFault.CloseDuringData"/> resets the connection.</summary>
    public int FaultAfterDataBytes { get; init; } = 16 * 1024;

    /// <summary>
    /// Gets a hook called before the server answers each command line (not AUTH continuation lines) and each end of DATA.
    /// It may wait (to hold a client, e.g. on a gate) and may return a reply to send instead of the scripted one;
    /// <see langword="null"/> keeps the scripted reply, <see cref="CloseSilently"/> closes the connection without a reply.
    /// After an intercepted reply starting with <c>421</c> the server closes the connection, as servers do, unless
    /// <see cref="KeepOpenAfter421"/>; a non-354 reply to DATA refuses the message content.
    /// </summary>
    public Func<ScriptedExchange, CancellationToken, Task<string?>>? Intercept { get; init; }

    /// <summary>Gets a value indicating whether the server keeps talking after an intercepted 421 reply (a misbehaving server), so only the client can decide to drop the connection.</summary>
    public bool KeepOpenAfter421 { get; init; }

    /// <summary>Gets after how many completed transactions (250 sent after the final dot) the server closes each connection, without a word; <see langword="null"/> never.</summary>
    public int? CloseAfterTransactions { get; init; }

    /// <summary>
    /// Gets how long the server lets a connection sit without a command between transactions, once one has completed, before it
    /// closes it (as Postfix's smtpd_timeout, or a provider dropping idle clients); <see langword="null"/> forever.
    /// </summary>
    public TimeSpan? IdleDisconnectAfter { get; init; }

    /// <summary>Gets what the server says before an idle disconnect, e.g. <c>421 4.4.2 Error: timeout exceeded</c>; <see langword="null"/> closes silently.</summary>
    public string? IdleDisconnectReply { get; init; }
}
