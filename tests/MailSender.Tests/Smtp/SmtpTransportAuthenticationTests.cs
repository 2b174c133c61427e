using System.Text;
using MailSender.TestSupport;

namespace MailSender.Tests.Smtp;

/// <summary>
/// AUTH through <c>SmtpTransport</c>: PLAIN and LOGIN over STARTTLS, refused credentials, and credentials kept off plaintext connections.
/// </summary>
public class SmtpTransportAuthenticationTests
{
    private const string User = "mailer@example.com";
    private const string Password = "Corr3ct-H0rse:B@ttery";
    private const string WrongPassword = "Wr0ng-S3cret-Pa55!";

    [Fact]
    public async Task SendAsync_AuthOverStartTls_AuthenticatesAndDelivers()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new()
        {
            Security = InProcessSecurity.StartTls,
            UserName = User,
            Password = Password,
            RequireAuthentication = true,
        });

        var result = await MailSenderHost.SendAsync(
            TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile, User, Password),
            TestMessages.Text());

        Assert.Equal(["rcpt@example.com"], result.AcceptedRecipients);
        Assert.Equal([User + ":yes"], server.Authentications);
        Assert.True(Assert.Single(server.Messages).Secure);
        Assert.DoesNotContain(Password, result.Transport, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_PasswordFromOptions_AuthenticatesOverStartTls()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls, UserName = User, Password = Password, RequireAuthentication = true });

        await MailSenderHost.SendAsync(
            TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile),
            TestMessages.Text(),
            o =>
            {
                o.UserName = User;
                o.Password = Password;
            });

        Assert.Equal([User + ":yes"], server.Authentications);
        Assert.Single(server.Messages);
    }

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    public async Task SendAsync_ServerOffersOneMechanism_AuthenticatesWithItOverStartTls(string mechanism)
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = ["PIPELINING", "AUTH " + mechanism],
            Certificate = TestCertificates.Server,
        });

        await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile, User, Password), TestMessages.Text());

        var commands = server.Commands.ToList();
        var auth = commands.FindIndex(c => c.StartsWith("AUTH ", StringComparison.Ordinal));
        Assert.True(auth > commands.IndexOf("STARTTLS"), "AUTH must come after STARTTLS: " + string.Join(" | ", commands));
        var words = commands[auth].Split(' ');
        Assert.Equal(mechanism, words[1]);
        var answers = words.Skip(2).Concat(commands.Skip(auth + 1).TakeWhile(c => !c.StartsWith("MAIL", StringComparison.Ordinal))).Select(Decode).ToArray();
        var expected = mechanism == "PLAIN" ? [$"\0{User}\0{Password}"] : new[] { User, Password };
        Assert.Equal(expected, answers);
        Assert.Single(server.Transactions);
    }

    [Fact]
    public async Task SendAsync_WrongPassword_FailsWithoutRevealingIt()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls, UserName = User, Password = Password, RequireAuthentication = true });

        var error = await MailSenderHost.SendFailingAsync(
            TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile, User, WrongPassword),
            TestMessages.Text());

        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        Assert.Equal(535, error.StatusCode);
        Assert.False(error.IsTransient);
        Assert.False(error.MayHaveBeenAccepted);
        Assert.Contains("password", error.Hint, StringComparison.Ordinal);
        Assert.Contains(User, error.Message, StringComparison.Ordinal);
        foreach (var text in new[] { error.Message, error.ToString(), error.Hint ?? string.Empty, error.ServerText ?? string.Empty, error.Transport ?? string.Empty })
        {
            Assert.DoesNotContain(WrongPassword, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(WrongPassword), text, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{User}\0{WrongPassword}")), text, StringComparison.Ordinal);
        }

        Assert.NotEmpty(server.Authentications);
        Assert.All(server.Authentications, a => Assert.Equal(User + ":no", a));
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task SendAsync_ServerReplies535WithEnhancedCode_ReportsBothCodes()
    {
        // Regression: MailKit words a refused AUTH as "535: 5.7.8 ...", which the mapper did not parse (StatusCode and EnhancedStatusCode were null).
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = ["PIPELINING", "AUTH PLAIN"],
            Certificate = TestCertificates.Server,
            AuthReply = "535 5.7.8 Error: authentication failed",
        });

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile, User, WrongPassword), TestMessages.Text());

        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        Assert.Equal(535, error.StatusCode);
        Assert.Equal("5.7.8", error.EnhancedStatusCode);
        Assert.Equal("5.7.8 Error: authentication failed", error.ServerText);
        Assert.Contains("app password", error.Hint, StringComparison.Ordinal);
        Assert.Empty(server.CommandsStartingWith("MAIL"));
    }

    [Theory]
    [InlineData("security=auto")]
    [InlineData("security=none")]
    public async Task SendAsync_CredentialsOverPlaintext_AreRefusedBeforeAuth(string security)
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "AUTH PLAIN LOGIN"] });

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, security, User, Password), TestMessages.Text());

        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("allowInsecureAuth", error.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, server.ConnectionCount);
        Assert.Empty(server.CommandsStartingWith("AUTH"));
        Assert.Empty(server.CommandsStartingWith("MAIL"));
    }

    [Fact]
    public async Task SendAsync_CredentialsOverPlaintextWithAllowInsecureAuth_Authenticates()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "AUTH PLAIN"] });

        await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=none&allowInsecureAuth=true", User, Password), TestMessages.Text());

        var auth = Assert.Single(server.CommandsStartingWith("AUTH"));
        Assert.Equal($"AUTH PLAIN {Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{User}\0{Password}"))}", auth);
        Assert.Single(server.Transactions);
    }

    [Fact]
    public async Task SendAsync_UserNameButServerOffersNoAuth_FailsAsAuthenticationFailed()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING"], Certificate = TestCertificates.Server });

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile, User, Password), TestMessages.Text());

        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("does not offer authentication", error.Message, StringComparison.Ordinal);
        Assert.Contains("STARTTLS", server.Commands);
        Assert.Empty(server.CommandsStartingWith("AUTH"));
        Assert.Empty(server.CommandsStartingWith("MAIL"));
    }

    private static string Decode(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64));
}
