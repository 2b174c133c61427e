using System.Text;
using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace MailSender.Tests.Smtp.Protocol;

/// <summary>
/// SASL XOAUTH2 and OAUTHBEARER against a scripted server: the exact exchange, a refused token, and a token per new connection.
/// </summary>
public class OAuthAuthenticatorTests
{
    private const string User = "ann@example.com";

    [Fact]
    public async Task SendAsync_ServerOffersXOAuth2_SendsExactInitialResponseAfterStartTls()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "AUTH LOGIN PLAIN XOAUTH2"], Certificate = TestCertificates.Server });
        var tokens = new CountingTokenProvider();

        await MailSenderHost.SendAsync(Transport(server.Port), TestMessages.Text(), build: b => b.UseAccessTokenProvider(_ => tokens));

        var commands = server.Commands.ToList();
        var auth = commands.FindIndex(c => c.StartsWith("AUTH ", StringComparison.Ordinal));
        Assert.True(auth > commands.IndexOf("STARTTLS"), string.Join(" | ", commands));
        var expected = Convert.ToBase64String(Encoding.ASCII.GetBytes($"user={User}\u0001auth=Bearer ya29.token-1\u0001\u0001"));
        Assert.Equal("AUTH XOAUTH2 " + expected, commands[auth]);
        Assert.StartsWith("MAIL FROM", commands[auth + 1], StringComparison.Ordinal);
        Assert.Single(server.Transactions);
        var request = Assert.Single(tokens.Requests);
        Assert.Equal(("127.0.0.1", server.Port, User), (request.Host, request.Port, request.UserName));
    }

    [Fact]
    public async Task SendAsync_ServerOffersOAuthBearerAndXOAuth2_PrefersOAuthBearer()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH XOAUTH2 OAUTHBEARER"], Certificate = TestCertificates.Server });

        await MailSenderHost.SendAsync(Transport(server.Port), TestMessages.Text(), build: b => b.UseAccessTokenProvider(_ => new CountingTokenProvider()));

        var words = Assert.Single(server.CommandsStartingWith("AUTH ")).Split(' ');
        Assert.Equal("OAUTHBEARER", words[1]);
        var payload = Encoding.ASCII.GetString(Convert.FromBase64String(words[2]));
        Assert.StartsWith($"n,a={User},", payload, StringComparison.Ordinal);
        Assert.Contains("\u0001auth=Bearer ya29.token-1\u0001\u0001", payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_TokenRefused_AnswersTheErrorChallengeAndFailsAsAuthenticationWithoutTheToken()
    {
        var challenge = Convert.ToBase64String(Encoding.ASCII.GetBytes("{\"status\":\"401\",\"schemes\":\"Bearer\",\"scope\":\"https://mail.google.com/\"}"));
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = ["AUTH XOAUTH2"],
            Certificate = TestCertificates.Server,
            OAuthErrorChallenge = challenge,
            AuthReply = "535 5.7.8 Username and Password not accepted",
        });

        var error = await MailSenderHost.SendFailingAsync(Transport(server.Port), TestMessages.Text(), o =>
        {
            o.Resilience.Enabled = false;
        }, build: b => b.UseAccessTokenProvider(_ => new CountingTokenProvider("SECRET-TOKEN-")));

        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        Assert.Equal(535, error.StatusCode);
        Assert.False(error.IsTransient);
        var commands = server.Commands.ToList();
        var auth = commands.FindIndex(c => c.StartsWith("AUTH XOAUTH2 ", StringComparison.Ordinal));
        Assert.Equal(string.Empty, commands[auth + 1]);
        Assert.Empty(server.Transactions);
        Assert.DoesNotContain("SECRET-TOKEN", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("refused the OAuth 2.0 access token", error.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET-TOKEN", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_TwoConnections_AsksForATokenForEachNewConnectionOnly()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH XOAUTH2"], Certificate = TestCertificates.Server });
        var tokens = new CountingTokenProvider();
        await using var host = MailSenderHost.Build(o =>
        {
            o.Transport = Transport(server.Port, "maxMessagesPerConnection=2");
        }, build: b => b.UseAccessTokenProvider(_ => tokens));

        for (var i = 0; i < 3; i++)
        {
            await host.Sender.SendAsync(TestMessages.Text());
        }

        Assert.Equal(2, server.ConnectionCount);
        Assert.Equal(2, tokens.Requests.Count);
        var auths = server.CommandsStartingWith("AUTH ").Select(c => Encoding.ASCII.GetString(Convert.FromBase64String(c.Split(' ')[2]))).ToArray();
        Assert.Equal([$"user={User}\u0001auth=Bearer ya29.token-1\u0001\u0001", $"user={User}\u0001auth=Bearer ya29.token-2\u0001\u0001"], auths);
    }

    [Fact]
    public async Task SendAsync_TokenProviderFromBuilder_IsResolvedFromTheContainer()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH XOAUTH2"], Certificate = TestCertificates.Server });
        var tokens = new CountingTokenProvider();
        await using var host = MailSenderHost.Build(
            o => o.Transport = Transport(server.Port),
            build: b =>
            {
                b.Services.AddSingleton(tokens);
                b.UseAccessTokenProvider(sp => sp.GetRequiredService<CountingTokenProvider>());
            });

        await host.Sender.SendAsync(TestMessages.Text());

        Assert.Single(tokens.Requests);
        Assert.Single(server.CommandsStartingWith("AUTH XOAUTH2 "));
    }

    [Fact]
    public async Task SendAsync_TokenProviderRegisteredInContainer_IsUsedWhenNoPasswordIsConfigured()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH XOAUTH2"], Certificate = TestCertificates.Server });
        var tokens = new CountingTokenProvider();
        await using var host = MailSenderHost.Build(o => o.Transport = Transport(server.Port), build: b => b.Services.AddSingleton<ISmtpAccessTokenProvider>(tokens));

        await host.Sender.SendAsync(TestMessages.Text());

        Assert.Single(tokens.Requests);
    }

    [Fact]
    public async Task SendAsync_ServerOffersOnlyXOAuth2AndPasswordConfigured_FailsSayingOAuthIsNeeded()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH XOAUTH2"], Certificate = TestCertificates.Server });

        var error = await MailSenderHost.SendFailingAsync(
            TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile, User, "app-password-123"),
            TestMessages.Text(),
            o => o.Resilience.Enabled = false);

        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        Assert.Contains("OAuth 2.0", error.Message, StringComparison.Ordinal);
        Assert.Contains("access-token provider", error.Hint, StringComparison.Ordinal);
        Assert.Empty(server.CommandsStartingWith("AUTH"));
        Assert.DoesNotContain("app-password-123", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_TokenProviderButServerOffersNoOAuth_FailsNamingTheOfferedMechanisms()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH PLAIN LOGIN"], Certificate = TestCertificates.Server });

        var error = await MailSenderHost.SendFailingAsync(Transport(server.Port), TestMessages.Text(), o =>
        {
            o.Resilience.Enabled = false;
        }, build: b => b.UseAccessTokenProvider(_ => new CountingTokenProvider()));

        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        Assert.Contains("PLAIN", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.CommandsStartingWith("AUTH"));
    }

    [Fact]
    public async Task SendAsync_TokenProviderThrows_FailsAsAuthenticationNamingTheProvider()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH XOAUTH2"], Certificate = TestCertificates.Server });

        var error = await MailSenderHost.SendFailingAsync(Transport(server.Port), TestMessages.Text(), o =>
        {
            o.Resilience.Enabled = false;
        }, build: b => b.UseAccessTokenProvider(_ => new ThrowingTokenProvider()));

        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        Assert.Contains("access-token provider", error.Message, StringComparison.Ordinal);
        Assert.Contains("refresh token expired", error.Message, StringComparison.Ordinal);
    }

    // Regression: a token service that was down or slow failed as a permanent AuthenticationFailed, so nothing retried.
    [Theory]
    [InlineData("http", EmailErrorKind.ConnectionFailed)]
    [InlineData("socket", EmailErrorKind.ConnectionFailed)]
    [InlineData("io", EmailErrorKind.ConnectionFailed)]
    [InlineData("timeout", EmailErrorKind.Timeout)]
    [InlineData("canceled", EmailErrorKind.Timeout)]
    public async Task SendAsync_TokenServiceUnreachable_FailsTransientNamingTheTokenService(string failure, EmailErrorKind kind)
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH XOAUTH2"], Certificate = TestCertificates.Server });
        var tokens = new FailingTokenProvider(failure switch
        {
            "http" => new HttpRequestException("Connection refused (login.example.com:443)"),
            "socket" => new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound),
            "io" => new IOException("Unable to read data from the transport connection"),
            "timeout" => new TimeoutException("The token request timed out"),
            _ => new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing."),
        });

        var error = await MailSenderHost.SendFailingAsync(Transport(server.Port), TestMessages.Text(), o =>
        {
            o.Resilience.Enabled = false;
        }, build: b => b.UseAccessTokenProvider(_ => tokens));

        Assert.Equal(kind, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Contains("token service", error.Message, StringComparison.Ordinal);
        Assert.Contains("FailingTokenProvider", error.Hint, StringComparison.Ordinal);
        Assert.Contains("token service", error.Hint, StringComparison.Ordinal);
        Assert.Empty(server.CommandsStartingWith("AUTH"));
    }

    [Fact]
    public async Task SendAsync_TokenServiceUnreachableOnce_IsRetriedAndSucceeds()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH XOAUTH2"], Certificate = TestCertificates.Server });
        var tokens = new FailingTokenProvider(new HttpRequestException("Connection refused"), failures: 1);

        await using var host = MailSenderHost.Build(o =>
        {
            o.Transport = Transport(server.Port);
            o.Resilience.Retry.Delay = TimeSpan.FromMilliseconds(1);
        }, build: b => b.UseAccessTokenProvider(_ => tokens));

        await host.Sender.SendAsync(TestMessages.Text());

        Assert.Equal(2, tokens.Calls);
        Assert.Single(server.Transactions);
    }

    [Fact]
    public async Task SendAsync_Microsoft365TokenServiceUnreachable_HintNamesTheMicrosoftIdentityPlatform()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH XOAUTH2"], Certificate = TestCertificates.Server });

        var error = await MailSenderHost.SendFailingAsync(
            $"relay://{Uri.EscapeDataString(User)}@microsoft365?host=127.0.0.1&port={server.Port}&security=starttls&{TestTransports.CaFile}",
            TestMessages.Text(),
            o =>
            {
                o.Resilience.Enabled = false;
            }, build: b => b.UseAccessTokenProvider(_ => new FailingTokenProvider(new HttpRequestException("Name or service not known"))));

        Assert.Equal(EmailErrorKind.ConnectionFailed, error.Kind);
        Assert.Contains("login.microsoftonline.com", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_CallerCancelsWhileTheTokenIsFetched_IsCancelledNotAnError()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH XOAUTH2"], Certificate = TestCertificates.Server });
        using var cts = new CancellationTokenSource();
        var tokens = new CancellingTokenProvider(cts);
        await using var host = MailSenderHost.Build(o =>
        {
            o.Transport = Transport(server.Port);
            o.Resilience.Enabled = false;
        }, build: b => b.UseAccessTokenProvider(_ => tokens));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.Sender.SendAsync(TestMessages.Text(), cts.Token));
    }

    // Regression: OAuth errors quoted the raw user name, which for Postmark is the server token.
    [Fact]
    public async Task SendAsync_TokenProviderFailsForPostmark_MasksTheServerTokenUserName()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["AUTH XOAUTH2"], Certificate = TestCertificates.Server });

        var errors = new List<EmailSendException>();
        foreach (var tokens in new ISmtpAccessTokenProvider[] { new ThrowingTokenProvider(), new FailingTokenProvider(new HttpRequestException("down")), new FailingTokenProvider(null) })
        {
            errors.Add(await MailSenderHost.SendFailingAsync(
                $"relay://SECRET-SERVER-TOKEN@postmark?host=127.0.0.1&port={server.Port}&security=starttls&{TestTransports.CaFile}",
                TestMessages.Text(),
                o =>
                {
                    o.Resilience.Enabled = false;
                }, build: b => b.UseAccessTokenProvider(_ => tokens)));
        }

        Assert.All(errors, error =>
        {
            Assert.Contains("user '***'", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("SECRET-SERVER-TOKEN", error.ToString(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Create_TokenProviderWithoutUserName_IsAConfigurationError()
    {
        var error = Assert.Throws<EmailSendException>(() => MailSender.Smtp.SmtpTransportFactory.CreateSettings(
            TransportUri.Parse("smtp://smtp.example.com"), new MailSenderOptions(), null, senderTokens: new CountingTokenProvider()));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("no user name", error.Message, StringComparison.Ordinal);
    }

    private static string Transport(int port, string extra = "") =>
        TestTransports.Smtp(port, "security=starttls&" + TestTransports.CaFile + (extra.Length == 0 ? string.Empty : "&" + extra), User);

    private sealed class ThrowingTokenProvider : ISmtpAccessTokenProvider
    {
        public ValueTask<string> GetAccessTokenAsync(SmtpTokenContext context, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("refresh token expired");
    }

    /// <summary>Throws <paramref name="failure"/> for the first <paramref name="failures"/> calls, then hands out a token; a <see langword="null"/> failure returns an empty token.</summary>
    private sealed class FailingTokenProvider(Exception? failure, int failures = int.MaxValue) : ISmtpAccessTokenProvider
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public ValueTask<string> GetAccessTokenAsync(SmtpTokenContext context, CancellationToken cancellationToken = default)
        {
            var call = Interlocked.Increment(ref _calls);
            if (call > failures)
            {
                return ValueTask.FromResult("ya29.token-" + call);
            }

            return failure is null ? ValueTask.FromResult(string.Empty) : ValueTask.FromException<string>(failure);
        }
    }

    /// <summary>Cancels the caller's token, as a caller giving up while the token is fetched, and fails with the cancellation.</summary>
    private sealed class CancellingTokenProvider(CancellationTokenSource caller) : ISmtpAccessTokenProvider
    {
        public async ValueTask<string> GetAccessTokenAsync(SmtpTokenContext context, CancellationToken cancellationToken = default)
        {
            await caller.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
            throw new OperationCanceledException("the caller's token was not passed on");
        }
    }
}
