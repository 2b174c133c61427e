namespace MailSender;

/// <summary>
/// How an SMTP connection overlaps commands and messages. URI parameter <c>pipelining=off|on|aggressive</c>;
/// option <c>MailSender:Smtp:Pipelining</c>. docs/pooling.md explains each mode and when <see cref="Aggressive"/> is safe.
/// </summary>
public enum SmtpPipelining
{
    /// <summary>Lock-step: every command waits for the reply before it (as servers without PIPELINING require).</summary>
    Off,

    /// <summary>
    /// The standards' reading (RFC 2920, RFC 3030): the envelope (and DATA) in one write, the message after its replies;
    /// while messages queue for a connection, the next envelope rides with this message, so each costs one round trip.
    /// Used only when the server offers PIPELINING; otherwise lock-step.
    /// </summary>
    On,

    /// <summary>
    /// For servers known to take it (Postfix, Exim): envelope, <c>BDAT n LAST</c> and the message in one write (one round
    /// trip even for a lone message), and up to <see cref="SmtpOptions.MaxInFlight"/> transactions outstanding on one connection.
    /// Needs PIPELINING and CHUNKING; without CHUNKING it behaves as <see cref="On"/>. A server that answers a pipelined
    /// <c>BDAT</c> with a syntax or sequence error (500-504) gets <see cref="On"/> from then on, and the refused message is sent again.
    /// </summary>
    Aggressive,
}
