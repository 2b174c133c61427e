using MailSender.RealPeer.Tests.Support;

namespace MailSender.RealPeer.Tests.Smtp;

/// <summary>
/// Failures against a real Postfix, through the public API: refused credentials, credentials kept off a plaintext
/// connection, refused and deferred recipients, an untrusted certificate, and a port that requires STARTTLS.
/// </summary>
public sealed class PostfixFailureTests(PostfixFixture postfix) : IClassFixture<PostfixFixture>
{
    // Nothing should arrive; how long to keep looking before saying so.
    private static readonly TimeSpan NothingDeliveredWait = TimeSpan.FromSeconds(2);

    [SkippableTheory]
    [InlineData("smtp", "security=starttls")]
    [InlineData("smtps", "")]
    public async Task SendAsync_WrongPassword_AuthenticationFailedWith535AndHint(string scheme, string query)
    {
        var peer = postfix.Require();
        var token = TestMessage.NewToken();
        const string WrongPassword = "not-the-password-0123";
        var port = scheme == "smtps" ? peer.ImplicitTlsPort : peer.StartTlsPort;

        var error = await PeerSender.SendFailingAsync(peer.Uri(scheme, port, query, password: WrongPassword), TestMessage.Text(token, peer.Address("to", token)));

        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        Assert.Equal(535, error.StatusCode);
        Assert.Equal("5.7.8", error.EnhancedStatusCode);
        Assert.False(error.IsTransient);
        Assert.Contains("password was refused", error.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPassword, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(peer.Password, error.ToString(), StringComparison.Ordinal);
        await AssertNothingDeliveredAsync(peer, token);
    }

    [SkippableTheory]
    [InlineData("")]
    [InlineData("security=none")]
    public async Task SendAsync_CredentialsForPlaintextPort_RefusedByTheLibraryBeforeAuth(string query)
    {
        var peer = postfix.Require();
        var token = TestMessage.NewToken();

        var error = await PeerSender.SendFailingAsync(peer.Uri("smtp", peer.PlainPort, query, trustCa: false), TestMessage.Text(token, peer.Address("to", token)));

        // TlsFailed with "Refusing to send the credentials", not AuthenticationFailed: the library stopped before looking for AUTH.
        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.StartsWith($"Refusing to send the credentials of user '{peer.UserName}' to {peer.Host}:{peer.PlainPort}", error.Message, StringComparison.Ordinal);
        Assert.Null(error.StatusCode);
        Assert.Contains("allowInsecureAuth", error.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain(peer.Password, error.ToString(), StringComparison.Ordinal);
        await AssertNothingDeliveredAsync(peer, token);
    }

    [SkippableFact]
    public async Task SendAsync_OneRecipientRejected_ReportsItWith550AndDeliversToTheOther()
    {
        var peer = postfix.Require();
        var token = TestMessage.NewToken();
        var good = peer.Address("good", token);

        var result = await PeerSender.SendAsync(peer.Uri("smtp", peer.StartTlsPort, "security=starttls"), TestMessage.Text(token, good, peer.RejectRecipient));

        Assert.False(result.AllRecipientsAccepted);
        Assert.Equal([good], result.AcceptedRecipients);
        var rejected = Assert.Single(result.RejectedRecipients);
        Assert.Equal(peer.RejectRecipient, rejected.Address);
        Assert.Equal(550, rejected.StatusCode);
        Assert.Equal("5.1.1", rejected.EnhancedStatusCode);
        Assert.Contains("test mailbox does not exist", rejected.ServerText, StringComparison.Ordinal);
        Assert.False(rejected.IsTransient);
        Assert.Equal(good, Assert.Single(await peer.Maildir.WaitForAsync(token)).DeliveredTo);
    }

    [SkippableFact]
    public async Task SendAsync_OneRecipientDeferred_ReportsItAsTransientAndDeliversToTheOther()
    {
        var peer = postfix.Require();
        var token = TestMessage.NewToken();
        var good = peer.Address("good", token);

        var result = await PeerSender.SendAsync(peer.Uri("smtps", peer.ImplicitTlsPort), TestMessage.Text(token, peer.TempfailRecipient, good));

        Assert.Equal([good], result.AcceptedRecipients);
        var deferred = Assert.Single(result.RejectedRecipients);
        Assert.Equal(peer.TempfailRecipient, deferred.Address);
        Assert.Equal(450, deferred.StatusCode);
        Assert.Equal("4.2.0", deferred.EnhancedStatusCode);
        Assert.True(deferred.IsTransient);
        Assert.Equal(good, Assert.Single(await peer.Maildir.WaitForAsync(token)).DeliveredTo);
    }

    [SkippableFact]
    public async Task SendAsync_OnlyRecipientDeferred_ThrowsTransientRecipientsRejected()
    {
        var peer = postfix.Require();
        var token = TestMessage.NewToken();

        var error = await PeerSender.SendFailingAsync(peer.Uri("smtp", peer.StartTlsPort, "security=starttls"), TestMessage.Text(token, peer.TempfailRecipient));

        Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Equal(450, error.StatusCode);
        Assert.Equal("4.2.0", error.EnhancedStatusCode);
        Assert.Equal(peer.TempfailRecipient, Assert.Single(error.Recipients).Address);
        Assert.False(error.MayHaveBeenAccepted);
    }

    [SkippableFact]
    public async Task SendAsync_OnlyRecipientRejected_ThrowsPermanentRecipientsRejectedWithHint()
    {
        var peer = postfix.Require();
        var token = TestMessage.NewToken();

        var error = await PeerSender.SendFailingAsync(peer.Uri("smtp", peer.StartTlsPort, "security=starttls"), TestMessage.Text(token, peer.RejectRecipient));

        Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Equal(550, error.StatusCode);
        Assert.Equal("5.1.1", error.EnhancedStatusCode);
        Assert.Contains("mailbox does not exist", error.Hint, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("smtp", "security=starttls")]
    [InlineData("smtps", "")]
    public async Task SendAsync_CertificateNotTrusted_TlsFailedWithCaFileHint(string scheme, string query)
    {
        var peer = postfix.Require();
        var token = TestMessage.NewToken();
        var port = scheme == "smtps" ? peer.ImplicitTlsPort : peer.StartTlsPort;

        var error = await PeerSender.SendFailingAsync(peer.Uri(scheme, port, query, trustCa: false), TestMessage.Text(token, peer.Address("to", token)));

        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("the certificate is self-signed and not trusted", error.Message, StringComparison.Ordinal);
        Assert.Contains("caFile=PATH", error.Hint, StringComparison.Ordinal);
        await AssertNothingDeliveredAsync(peer, token);
    }

    [SkippableFact]
    public async Task SendAsync_StartTlsRequiredPortWithoutTls_Fails530WithStartTlsHint()
    {
        var peer = postfix.Require();
        var token = TestMessage.NewToken();

        // No credentials, so the library may talk in plain text; Postfix (smtpd_tls_security_level=encrypt) refuses MAIL FROM.
        var error = await PeerSender.SendFailingAsync(peer.Uri("smtp", peer.StartTlsPort, "security=none", withCredentials: false, trustCa: false), TestMessage.Text(token, peer.Address("to", token)));

        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        Assert.Equal(530, error.StatusCode);
        Assert.Equal("5.7.0", error.EnhancedStatusCode);
        Assert.Contains("STARTTLS", error.ServerText, StringComparison.Ordinal);
        Assert.Contains("security=starttls", error.Hint, StringComparison.Ordinal);
        await AssertNothingDeliveredAsync(peer, token);
    }

    [SkippableFact]
    public async Task SendAsync_InsecureAuthAllowedButAuthOnlyAfterStartTls_AuthenticationFailedAuthNotOffered()
    {
        var peer = postfix.Require();
        var token = TestMessage.NewToken();

        // allowInsecureAuth lets the library try, but Postfix (smtpd_tls_auth_only) offers no AUTH before STARTTLS.
        var error = await PeerSender.SendFailingAsync(
            peer.Uri("smtp", peer.OptionalTlsPort, "security=none&allowInsecureAuth=true", trustCa: false),
            TestMessage.Text(token, peer.Address("to", token)));

        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        Assert.Contains("does not offer authentication (AUTH)", error.Message, StringComparison.Ordinal);
        Assert.Contains("only offer AUTH after STARTTLS", error.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain(peer.Password, error.ToString(), StringComparison.Ordinal);
        await AssertNothingDeliveredAsync(peer, token);
    }

    [SkippableFact]
    public async Task SendAsync_SubmissionPortWithoutCredentials_RecipientRefusedByPolicyWithHint()
    {
        var peer = postfix.Require();
        var token = TestMessage.NewToken();

        // Encrypted but anonymous: the submission listener only lets authenticated senders through (smtpd_relay_restrictions).
        var error = await PeerSender.SendFailingAsync(
            peer.Uri("smtp", peer.StartTlsPort, "security=starttls", withCredentials: false),
            TestMessage.Text(token, peer.Address("to", token)));

        Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Equal(554, error.StatusCode);
        Assert.Equal("5.7.1", error.EnhancedStatusCode);
        Assert.Contains("check that you are authenticated", error.Hint, StringComparison.Ordinal);
        await AssertNothingDeliveredAsync(peer, token);
    }

    [SkippableFact]
    public async Task SendAsync_MessageLargerThanAnnouncedSize_MessageTooLargeBeforeMailFrom()
    {
        var peer = postfix.Require();
        var token = TestMessage.NewToken();
        var message = TestMessage.Text(token, peer.Address("to", token));
        var body = new MimeKit.BodyBuilder { TextBody = "Too large." };

        // Postfix announces SIZE 10240000 (message_size_limit); 8 MiB in base64 is about 11 MB.
        body.Attachments.Add("large.bin", new byte[8 * 1024 * 1024]);
        message.Body = body.ToMessageBody();

        var error = await PeerSender.SendFailingAsync(peer.Uri("smtps", peer.ImplicitTlsPort), message);

        Assert.Equal(EmailErrorKind.MessageTooLarge, error.Kind);
        Assert.Contains("accepts at most 10,240,000 bytes (SIZE)", error.Message, StringComparison.Ordinal);
        Assert.False(error.MayHaveBeenAccepted);
        await AssertNothingDeliveredAsync(peer, token);
    }

    private static async Task AssertNothingDeliveredAsync(PostfixPeer peer, string token)
    {
        await Task.Delay(NothingDeliveredWait);
        Assert.Empty(peer.Maildir.Find(token));
    }
}
