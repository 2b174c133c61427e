using System.Security.Cryptography;
using MailSender.TestSupport;

namespace MailSender.Tests.Smtp.Protocol;

/// <summary>
/// TLS end to end: STARTTLS and implicit TLS against the in-process server, with a private CA trusted through
/// <c>caFile</c> / <c>TrustedCaFile</c>, a pinned thumbprint, and certificates nothing vouches for.
/// </summary>
public class CertificateValidatorIntegrationTests
{
    [Fact]
    public async Task SendAsync_StartTlsWithCaFileParameter_DeliversEncrypted()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls });

        var result = await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile), TestMessages.Text());

        Assert.Equal(["rcpt@example.com"], result.AcceptedRecipients);
        Assert.True(Assert.Single(server.Messages).Secure);
    }

    [Fact]
    public async Task SendAsync_StartTlsWithTrustedCaFileOption_DeliversEncrypted()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls });

        await MailSenderHost.SendAsync(
            TestTransports.Smtp(server.Port, "security=starttls"),
            TestMessages.Text(),
            o => o.Smtp.Tls.TrustedCaFile = TestCertificates.AuthorityPemFile);

        Assert.True(Assert.Single(server.Messages).Secure);
    }

    [Fact]
    public async Task SendAsync_AutoSecurityWhenServerOffersStartTls_UpgradesToTls()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls });

        await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, TestTransports.CaFile), TestMessages.Text());

        Assert.True(Assert.Single(server.Messages).Secure);
    }

    [Fact]
    public async Task SendAsync_ImplicitTlsWithTrustedCa_DeliversEncrypted()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.Implicit });

        var result = await MailSenderHost.SendAsync(TestTransports.Smtps(server.Port, TestTransports.CaFile), TestMessages.Text());

        Assert.Equal($"smtp://127.0.0.1:{server.Port}?security=implicit", result.Transport);
        Assert.True(Assert.Single(server.Messages).Secure);
    }

    [Fact]
    public async Task SendAsync_StartTlsWithUntrustedSelfSignedCertificate_FailsWithCaFileHint()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls, Certificate = TestCertificates.UntrustedSelfSigned });

        // The CA file trusts our private CA, which did not sign this certificate.
        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile), TestMessages.Text());

        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("self-signed", error.Message, StringComparison.Ordinal);
        Assert.Contains("caFile", error.Hint, StringComparison.Ordinal);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task SendAsync_ImplicitTlsWithoutCaFile_FailsAsUntrustedAuthority()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.Implicit });

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtps(server.Port, string.Empty), TestMessages.Text());

        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.Contains("does not trust", error.Message, StringComparison.Ordinal);
        Assert.Contains("caFile", error.Hint, StringComparison.Ordinal);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task SendAsync_PinnedThumbprintOfSelfSignedCertificate_Delivers()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls, Certificate = TestCertificates.UntrustedSelfSigned });
        var thumbprint = TestCertificates.UntrustedSelfSigned.GetCertHashString(HashAlgorithmName.SHA256);

        await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=starttls&thumbprint=" + thumbprint), TestMessages.Text());

        Assert.True(Assert.Single(server.Messages).Secure);
    }

    [Fact]
    public async Task SendAsync_StartTlsRequiredButNotOffered_FailsWithTlsFailed()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.None });

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile), TestMessages.Text());

        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("does not offer STARTTLS", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Hint);
        Assert.Empty(server.Messages);
    }
}
