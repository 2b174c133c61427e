namespace MailSender;

/// <summary>
/// Signs every message with DKIM (RFC 6376) before any transport sends it (section <c>MailSender:Dkim</c>).
/// Signing is on when any of these settings is given; <see cref="Domain"/>, <see cref="Selector"/> and one private key are then required.
/// </summary>
/// <remarks>
/// The public key goes in DNS as a TXT record at <c>{Selector}._domainkey.{Domain}</c> (<c>v=DKIM1; k=rsa; p=...</c>).
/// Canonicalization is relaxed/relaxed; the algorithm (rsa-sha256 or ed25519-sha256) follows the key. See <c>docs/direct-delivery.md</c>.
/// </remarks>
public class DkimOptions
{
    /// <summary>Gets or sets the signing domain (<c>d=</c>), usually the domain of the From address, e.g. <c>example.com</c>.</summary>
    /// <value>The default is <see langword="null"/>: no signing.</value>
    public string? Domain { get; set; }

    /// <summary>Gets or sets the selector (<c>s=</c>) that names the DNS record of the public key, e.g. <c>mail2026</c>.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? Selector { get; set; }

    /// <summary>Gets or sets the path of a PEM file holding the private key (RSA of at least 1024 bits, 2048 recommended; or Ed25519).</summary>
    /// <value>The default is <see langword="null"/>. Give this or <see cref="PrivateKey"/>, not both.</value>
    public string? PrivateKeyFile { get; set; }

    /// <summary>Gets or sets the private key as PEM text, e.g. from a secret store. Never printed in errors or logs.</summary>
    /// <value>The default is <see langword="null"/>. Give this or <see cref="PrivateKeyFile"/>, not both.</value>
    public string? PrivateKey { get; set; }

    /// <summary>Gets or sets the headers to sign (those present in a message are signed; <c>From</c> always is).</summary>
    /// <value>The default is <see langword="null"/>: From, To, Cc, Subject, Date, Message-ID, MIME-Version, Content-Type, Reply-To.</value>
    public IList<string>? Headers { get; set; }
}
