using MailSender.Internal;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;

namespace MailSender.Dkim;

/// <summary>Signs prepared messages with MimeKit's <see cref="DkimSigner"/>, once per send, before the transport writes them.</summary>
internal sealed class DkimMessageSigner
{
    /// <summary>
    /// The headers signed by default: those receivers show or that change how the body reads, and the list headers
    /// (RFC 8058, 4: a one-click unsubscribe counts only when the signature covers both List-Unsubscribe headers).
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultHeaders = ["From", "To", "Cc", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "Reply-To", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post"];

    /// <summary>Headers signed whatever the configured list says: From (RFC 6376, 5.4) and the one-click pair (RFC 8058, 4).</summary>
    private static readonly string[] AlwaysSigned = ["From", "List-Unsubscribe", "List-Unsubscribe-Post"];

    private readonly DkimSigner _signer;
    private readonly string[] _headers;

    private DkimMessageSigner(DkimSigner signer, string[] headers)
    {
        _signer = signer;
        _headers = headers;
    }

    public string Domain => _signer.Domain;

    public string Selector => _signer.Selector;

    /// <summary>Gets a value indicating whether the options ask for signing at all.</summary>
    public static bool IsConfigured(DkimOptions? options) =>
        options is not null &&
        !(string.IsNullOrWhiteSpace(options.Domain) && string.IsNullOrWhiteSpace(options.Selector) &&
          string.IsNullOrWhiteSpace(options.PrivateKeyFile) && string.IsNullOrWhiteSpace(options.PrivateKey));

    /// <summary>Creates the signer, or returns <see langword="null"/> when DKIM is not configured.</summary>
    /// <exception cref="EmailSendException">A setting is missing or the key cannot be used (<see cref="EmailErrorKind.Configuration"/>); the text never holds key material.</exception>
    public static DkimMessageSigner? Create(DkimOptions? options)
    {
        if (options is null || !IsConfigured(options))
        {
            return null;
        }

        var domain = options.Domain?.Trim();
        var selector = options.Selector?.Trim();
        if (string.IsNullOrEmpty(domain) || string.IsNullOrEmpty(selector))
        {
            throw Error("Domain and Selector are both required when DKIM signing is configured.", "Set MailSender:Dkim:Domain (e.g. example.com) and MailSender:Dkim:Selector (the name of the DNS record <selector>._domainkey.<domain>).");
        }

        var hasFile = !string.IsNullOrWhiteSpace(options.PrivateKeyFile);
        var hasText = !string.IsNullOrWhiteSpace(options.PrivateKey);
        if (hasFile == hasText)
        {
            throw Error(hasFile ? "both PrivateKeyFile and PrivateKey are set; give one." : "a private key is required: set PrivateKeyFile or PrivateKey.", "PrivateKeyFile is the path of a PEM file; PrivateKey is the PEM text itself (e.g. from a secret store).");
        }

        var headers = (options.Headers is { Count: > 0 } list ? (IEnumerable<string>)list : DefaultHeaders)
            .Select(h => h.Trim())
            .Where(h => h.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (headers.Exists(h => h.Any(c => c is ':' or ' ' or '\t' || char.IsControl(c) || c > '~')))
        {
            throw Error("Headers must hold header field names only (e.g. From, Subject).", null);
        }

        for (var i = AlwaysSigned.Length - 1; i >= 0; i--)
        {
            if (!headers.Contains(AlwaysSigned[i], StringComparer.OrdinalIgnoreCase))
            {
                headers.Insert(0, AlwaysSigned[i]);
            }
        }

        var key = hasFile ? LoadFile(options.PrivateKeyFile!) : ReadKey(options.PrivateKey!, "the PrivateKey setting");
        var algorithm = key is Ed25519PrivateKeyParameters ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256;
        var signer = new DkimSigner(key, domain, selector, algorithm)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        return new DkimMessageSigner(signer, [.. headers]);
    }

    /// <summary>Signs <paramref name="message"/>, replacing a signature of this domain and selector from an earlier send of the same object.</summary>
    public void Sign(MimeMessage message)
    {
        for (var i = message.Headers.Count - 1; i >= 0; i--)
        {
            var header = message.Headers[i];
            if (header.Id == HeaderId.DkimSignature && IsOwnSignature(header.Value))
            {
                message.Headers.RemoveAt(i);
            }
        }

        // 7-bit content only: a relay that converts 8-bit content (or MailKit, for a server without 8BITMIME) would break the body hash.
        message.Prepare(EncodingConstraint.SevenBit);
        // The body's own headers (Content-Type, ...) are written in the message's header block, so they can be signed too.
        var present = Array.FindAll(_headers, h => h.Equals("From", StringComparison.OrdinalIgnoreCase) || message.Headers.Contains(h) || message.Body?.Headers.Contains(h) == true);
        _signer.Sign(WireFormat.Options, message, present);
    }

    /// <summary>Gets what the signer is built from, to tell whether options changed since (a reload).</summary>
    internal static string Settings(DkimOptions options) =>
        string.Join('\n', options.Domain, options.Selector, options.PrivateKeyFile, options.PrivateKey, options.Headers is null ? null : string.Join(',', options.Headers));

    private bool IsOwnSignature(string value)
    {
        string? d = null, s = null;
        foreach (var tag in value.Split(';'))
        {
            var equals = tag.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                continue;
            }

            var name = tag[..equals].Trim();
            var text = string.Concat(tag[(equals + 1)..].Where(c => !char.IsWhiteSpace(c)));
            if (name == "d")
            {
                d = text;
            }
            else if (name == "s")
            {
                s = text;
            }
        }

        return string.Equals(d, Domain, StringComparison.OrdinalIgnoreCase) && string.Equals(s, Selector, StringComparison.OrdinalIgnoreCase);
    }

    private static AsymmetricKeyParameter LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw Error($"the private key file '{path}' could not be read: {ex.Message}", "PrivateKeyFile must name a readable PEM file (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----).");
        }

        return ReadKey(text, $"the private key file '{path}'");
    }

    private static AsymmetricKeyParameter ReadKey(string pem, string source)
    {
        object? read;
        try
        {
            using var reader = new PemReader(new StringReader(pem));
            read = reader.ReadObject();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The parser's message could quote the text: say only what kind of problem it was.
            throw Error($"{source} is not a valid PEM private key ({ex.GetType().Name}).", KeyHint);
        }

        var key = read switch
        {
            AsymmetricCipherKeyPair pair => pair.Private,
            AsymmetricKeyParameter parameter => parameter,
            _ => null,
        };
        if (key is null || !key.IsPrivate)
        {
            throw Error($"{source} holds no private key{(read is null ? string.Empty : " (it holds a " + read.GetType().Name + ")")}.", KeyHint);
        }

        if (key is RsaKeyParameters rsa && rsa.Modulus.BitLength < 1024)
        {
            throw Error($"{source} holds an RSA key of {rsa.Modulus.BitLength} bits; receivers ignore DKIM keys under 1024 bits.", "Generate a 2048-bit key: openssl genrsa -out dkim.pem 2048.");
        }

        if (key is not (RsaKeyParameters or Ed25519PrivateKeyParameters))
        {
            throw Error($"{source} holds a {key.GetType().Name}; DKIM signs with RSA or Ed25519 keys.", KeyHint);
        }

        return key;
    }

    private const string KeyHint = "Expected an unencrypted PEM private key, e.g. made with: openssl genrsa -out dkim.pem 2048.";

    private static EmailSendException Error(string problem, string? hint) =>
        new(EmailErrorKind.Configuration, "DKIM: " + problem) { Hint = hint };
}
