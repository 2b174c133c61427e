using MailSender.Smtp;
using MailSender.Smtp.Protocol;

namespace MailSender.Tests.Smtp.Protocol;

/// <summary>The plain-words hints for the failures people meet most, as detection and sending report them.</summary>
public class SmtpHintsTests
{
    [Theory]
    [InlineData(530, "5.7.0", "Must issue a STARTTLS command first", "STARTTLS")]
    [InlineData(535, "5.7.8", "Username and Password not accepted", "app password")]
    [InlineData(534, "5.7.9", "Application-specific password required", "app password")]
    [InlineData(535, "5.7.139", "Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant", "SMTP AUTH disabled for this tenant")]
    [InlineData(454, "4.7.0", "Too many login attempts, please try again later", "Too many login attempts")]
    [InlineData(454, "4.7.0", "TLS not available due to local problem", "cannot offer TLS")]
    [InlineData(421, "4.7.0", "Try again later, closing connection", "closing the connection")]
    [InlineData(552, "5.3.4", "Message size exceeds fixed limit", "larger than the server accepts")]
    public void ForReply_CommonRefusals_HaveSpecificHints(int code, string enhanced, string text, string expected)
    {
        Assert.Contains(expected, SmtpHints.ForReply(code, enhanced, text), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("the certificate's name does not match the host (it is issued to CN=mail.example.com)", nameof(SmtpHints.CertificateNameMismatch))]
    [InlineData("the certificate has expired or is not yet valid (valid from 2020-01-01 to 2021-01-01)", nameof(SmtpHints.CertificateExpired))]
    [InlineData("the certificate is self-signed and not trusted", nameof(SmtpHints.CertificateUntrusted))]
    [InlineData("the certificate was issued by an authority this machine does not trust (CN=Private CA)", nameof(SmtpHints.CertificateUntrusted))]
    public void ForCertificate_NamesTheFix(string problem, string expected)
    {
        var hints = new Dictionary<string, string>
        {
            [nameof(SmtpHints.CertificateNameMismatch)] = SmtpHints.CertificateNameMismatch,
            [nameof(SmtpHints.CertificateExpired)] = SmtpHints.CertificateExpired,
            [nameof(SmtpHints.CertificateUntrusted)] = SmtpHints.CertificateUntrusted,
        };

        Assert.Equal(hints[expected], SmtpHints.ForCertificate(problem));
    }

    [Fact]
    public void TimeoutOnPort25_SaysItIsCommonlyBlocked()
    {
        var endpoint = new SmtpEndpoint { Host = "smtp.example.com", Port = 25, Security = SmtpSecurity.StartTls };

        var error = SmtpErrorMapper.TimeoutError(null, SmtpPhase.Connect, endpoint);

        Assert.Equal(SmtpHints.Port25Blocked, error.Hint);
        Assert.Contains("587", error.Hint, StringComparison.Ordinal);
        Assert.Contains("465", error.Hint, StringComparison.Ordinal);
    }
}
