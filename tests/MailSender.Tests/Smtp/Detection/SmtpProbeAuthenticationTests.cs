using MailSender.TestSupport;
using MailSender.Smtp.Detection;

namespace MailSender.Tests.Smtp.Detection;

/// <summary>What a probe says about the credentials: refused only when the server refused them.</summary>
public class SmtpProbeAuthenticationTests
{
    [Fact]
    public async Task DetectAsync_ConnectionDropsDuringAuth_DoesNotReportTheCredentialsAsRefused()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = ["AUTH PLAIN LOGIN"],
            Certificate = TestCertificates.Server,
            Intercept = (e, _) => Task.FromResult(e.Verb == "AUTH" ? SmtpScript.CloseSilently : null),
        });
        var request = DetectionTestSupport.Request(server.Port);
        request.UserName = "ann@example.com";
        request.Password = "secret";

        var report = await DetectionTestSupport.Detector().DetectAsync(request);

        Assert.Null(report.Recommended);
        var attempt = Assert.Single(report.Attempts, a => a.Security == SmtpSecurity.StartTls);
        Assert.NotEqual(SmtpProbeOutcome.Usable, attempt.Outcome);
        Assert.NotEqual(EmailErrorKind.AuthenticationFailed, attempt.ErrorKind);
        Assert.Null(attempt.Authenticated);
    }
}
