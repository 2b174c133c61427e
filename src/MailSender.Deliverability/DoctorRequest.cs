using System.Net;

namespace MailSender.Deliverability;

/// <summary>What <see cref="DeliverabilityDoctor.CheckAsync"/> checks: the DNS of a From domain.</summary>
public sealed class DoctorRequest
{
    /// <summary>The From address or its domain (<c>news@example.com</c> or <c>example.com</c>).</summary>
    public required string From { get; init; }

    /// <summary>The DKIM selector to check (<c>s1</c> for <c>s1._domainkey.example.com</c>), or <see langword="null"/> to skip DKIM.</summary>
    public string? DkimSelector { get; init; }

    /// <summary>The DKIM private key in PEM (RSA or Ed25519), to check that the published key matches it; <see langword="null"/> to check only that one is published.</summary>
    public string? DkimPrivateKeyPem { get; init; }

    /// <summary>The DKIM signing domain (<c>d=</c>) when it is not the From domain; the selector's key is looked up there, and DMARC alignment checked against it.</summary>
    public string? DkimDomain { get; init; }

    /// <summary>The envelope sender (return path, <c>MAIL FROM</c>) address or domain when it is not the From domain: SPF is checked for its domain, and DMARC alignment against it.</summary>
    public string? ReturnPath { get; init; }

    /// <summary>
    /// The transport URI mail leaves through (<c>smtp://HOST</c>, <c>relay://PROVIDER</c>, <c>direct:</c>): for a relay,
    /// whether SPF authorizes it (the preset's documented include, or the relay host's addresses); for direct delivery,
    /// whether SPF authorizes the sending address, and that address's reverse DNS against the EHLO name.
    /// </summary>
    public string? Transport { get; init; }

    /// <summary>The public address direct mail leaves from; <see langword="null"/> to use the machine's (refused as unknowable when it is private: behind a NAT).</summary>
    public IPAddress? SendingAddress { get; init; }

    /// <summary>The EHLO name of direct delivery when the transport URI has no <c>ehlo=</c>; <see langword="null"/> for the machine's name, as the transport does.</summary>
    public string? EhloName { get; init; }

    /// <summary>The one name server to ask (as <c>direct:?dns=</c> does), or <see langword="null"/> for the system's.</summary>
    public IPEndPoint? DnsServer { get; init; }

    /// <summary>How long each DNS question may take. Default: 3 seconds.</summary>
    public TimeSpan DnsTimeout { get; init; } = TimeSpan.FromSeconds(3);
}

/// <summary>The name server did not answer, so the domain's records could not be checked at all.</summary>
public sealed class DnsUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What did not answer.</param>
    /// <param name="innerException">The DNS client's failure.</param>
    public DnsUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
