namespace MailSender;

/// <summary>
/// A request for delivery status notifications (DSN, RFC 3461) for one message: when to be told (NOTIFY), how much
/// of the message comes back (RET) and an id to match the reports by (ENVID). Set on <see cref="MailEnvelope.DeliveryStatus"/>.
/// Every recipient also gets <c>ORCPT=rfc822;address</c>, so a report names the address as it was sent.
/// </summary>
public sealed class DeliveryStatusNotification
{
    /// <summary>When to be notified. Default: <see cref="DsnNotify.Failure"/> | <see cref="DsnNotify.Delay"/>. <see cref="DsnNotify.Never"/> cannot be combined with others.</summary>
    public DsnNotify Notify { get; init; } = DsnNotify.Failure | DsnNotify.Delay;

    /// <summary>How much of the message a failure report returns, or <see langword="null"/> for the server's choice.</summary>
    public DsnReturn? Return { get; init; }

    /// <summary>
    /// An id of your own (e.g. the outbox id) that reports carry back as <c>Original-Envelope-Id</c>; printable ASCII,
    /// at most 100 characters. <see langword="null"/> for none.
    /// </summary>
    public string? EnvelopeId { get; init; }

    /// <summary>
    /// What to do when the server does not offer DSN: <see langword="false"/> (the default) sends without the request
    /// and logs a warning (the server's own default, usually a report on failure, still applies);
    /// <see langword="true"/> refuses to send, with <see cref="EmailErrorKind.UnsupportedByServer"/>, before anything is written.
    /// </summary>
    public bool RequireSupport { get; init; }

    /// <summary>Checks the request; the message names what is wrong.</summary>
    /// <exception cref="ArgumentException">NOTIFY is empty or combines NEVER with others, or ENVID is too long or not printable ASCII.</exception>
    internal void Validate()
    {
        if (Notify == 0 || (Notify.HasFlag(DsnNotify.Never) && Notify != DsnNotify.Never) || (Notify & ~(DsnNotify.Never | DsnNotify.Success | DsnNotify.Failure | DsnNotify.Delay)) != 0)
        {
            throw new ArgumentException($"DSN NOTIFY '{Notify}' is not valid: give Never alone, or any of Success, Failure and Delay (RFC 3461, 4.1).");
        }

        if (EnvelopeId is { } id && (id.Length is 0 or > 100 || id.Any(c => c is < '!' or > '~')))
        {
            throw new ArgumentException("The DSN EnvelopeId must be 1 to 100 printable ASCII characters without spaces (RFC 3461, 4.4).");
        }
    }
}

/// <summary>When a delivery status notification is wanted (RFC 3461 NOTIFY).</summary>
[Flags]
public enum DsnNotify
{
    /// <summary>Never send a report, not even on failure.</summary>
    Never = 1,

    /// <summary>Report successful delivery.</summary>
    Success = 2,

    /// <summary>Report failure.</summary>
    Failure = 4,

    /// <summary>Report a delay.</summary>
    Delay = 8,
}

/// <summary>How much of the message a failure report returns (RFC 3461 RET).</summary>
public enum DsnReturn
{
    /// <summary>The whole message (<c>RET=FULL</c>).</summary>
    Full,

    /// <summary>Only its headers (<c>RET=HDRS</c>).</summary>
    Headers,
}
