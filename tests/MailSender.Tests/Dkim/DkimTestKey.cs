using System.Security.Cryptography;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace MailSender.Tests.Dkim;

/// <summary>An RSA key made for the test run: the private key as a PEM file, the public key as the DNS TXT record a receiver would fetch.</summary>
internal sealed class DkimTestKey : IDisposable
{
    public const string Domain = "example.com";
    public const string Selector = "test2026";

    // One key for the run: generating 2048-bit keys costs about a second each on a busy machine.
    private static readonly Lazy<RSA> SharedRsa = new(() => RSA.Create(2048));

    private readonly string _folder;

    public DkimTestKey(bool pkcs1 = false)
    {
        var rsa = SharedRsa.Value;
        Pem = pkcs1 ? rsa.ExportRSAPrivateKeyPem() : rsa.ExportPkcs8PrivateKeyPem();
        TxtRecord = "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        _folder = Directory.CreateTempSubdirectory("mailsender-dkim-").FullName;
        PemFile = Path.Combine(_folder, "dkim.pem");
        File.WriteAllText(PemFile, Pem);
    }

    public string Pem { get; }

    public string PemFile { get; }

    /// <summary>Gets the TXT record of <c>test2026._domainkey.example.com</c>.</summary>
    public string TxtRecord { get; }

    public string Folder => _folder;

    public void Configure(MailSenderOptions options)
    {
        options.Dkim.Domain = Domain;
        options.Dkim.Selector = Selector;
        options.Dkim.PrivateKeyFile = PemFile;
    }

    /// <summary>Verifies the first DKIM-Signature of <paramref name="data"/> with MimeKit, the public key served by this key's "DNS".</summary>
    /// <param name="data">The message as written.</param>
    /// <param name="txtRecord">The TXT record to serve instead of this key's, e.g. for another algorithm.</param>
    public bool Verify(byte[] data, string? txtRecord = null)
    {
        var message = MimeMessage.Load(new MemoryStream(data, writable: false));
        var index = message.Headers.IndexOf(HeaderId.DkimSignature);
        Assert.True(index >= 0, "the message has no DKIM-Signature header");
        return new DkimVerifier(new Locator(txtRecord ?? TxtRecord)).Verify(message, message.Headers[index]);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class Locator(string txtRecord) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            domain == Domain && selector == Selector
                ? GetPublicKey(txtRecord)
                : throw new InvalidOperationException($"no DKIM key published for {selector}._domainkey.{domain}");

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }
}
