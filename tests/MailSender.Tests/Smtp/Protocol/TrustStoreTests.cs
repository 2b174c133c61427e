using System.Security.Cryptography.X509Certificates;
using MailSender.Smtp.Protocol;
using MailSender.TestSupport;

namespace MailSender.Tests.Smtp.Protocol;

/// <summary>CA files: PEM or DER, loaded once per store; an unreadable or empty one is a configuration error naming the file.</summary>
public sealed class TrustStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mailsender-truststore-").FullName;

    [Fact]
    public void Authorities_PemFile_LoadsTheCertificate()
    {
        var loaded = Assert.Single(new TrustStore().Authorities(TestCertificates.AuthorityPemFile));

        Assert.Equal(TestCertificates.Authority.Thumbprint, loaded.Thumbprint);
    }

    [Fact]
    public void Authorities_DerFile_LoadsTheCertificate()
    {
        var path = Path.Combine(_folder, "ca.der");
        File.WriteAllBytes(path, TestCertificates.Authority.Export(X509ContentType.Cert));

        var loaded = Assert.Single(new TrustStore().Authorities(path));

        Assert.Equal(TestCertificates.Authority.Thumbprint, loaded.Thumbprint);
    }

    [Fact]
    public void Authorities_SameFileTwice_ReadsItOnce()
    {
        var path = Path.Combine(_folder, "ca.pem");
        File.Copy(TestCertificates.AuthorityPemFile, path);
        var store = new TrustStore();

        var first = store.Authorities(path);
        File.Delete(path);

        Assert.Same(first, store.Authorities(path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a certificate")]
    public void Authorities_FileWithoutACertificate_IsAConfigurationErrorNamingIt(string content)
    {
        var path = Path.Combine(_folder, "bad.pem");
        File.WriteAllText(path, content);

        var error = Assert.Throws<EmailSendException>(() => new TrustStore().Authorities(path));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
