using System.Diagnostics;
using System.Text;
using MailSender.Internal;
using MailSender.Tests.Smtp.Direct;
using MailSender.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailSender.Tests.Dkim;

/// <summary>
/// DKIM signing as an application enables it (<c>MailSender:Dkim</c>), checked on the exact bytes a transport wrote:
/// MimeKit's verifier, an independent verifier (python3-dkim), and tampering.
/// </summary>
public class DkimMessageSignerTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendAsync_DkimConfigured_SignatureVerifies(bool pkcs1)
    {
        using var key = new DkimTestKey(pkcs1);
        var data = await SendThroughPickupAsync(key, TestMessages.Text("Signed.", "ann@example.org"));

        Assert.True(key.Verify(data));
        var signature = MimeMessage.Load(new MemoryStream(data)).Headers[HeaderId.DkimSignature];
        Assert.Contains("d=example.com", signature, StringComparison.Ordinal);
        Assert.Contains("s=test2026", signature, StringComparison.Ordinal);
        Assert.Contains("c=relaxed/relaxed", signature, StringComparison.Ordinal);
        Assert.Contains("a=rsa-sha256", signature, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_DefaultHeaders_SignsThoseThatArePresent()
    {
        using var key = new DkimTestKey();
        var message = TestMessages.Text("Headers.", "ann@example.org");
        message.Cc.Add(MailboxAddress.Parse("cc@example.org"));
        message.ReplyTo.Add(MailboxAddress.Parse("reply@example.com"));

        var data = await SendThroughPickupAsync(key, message);

        var signed = SignedHeaders(data);
        Assert.Equal(["from", "to", "cc", "subject", "date", "message-id", "mime-version", "content-type", "reply-to"], signed);
        Assert.True(key.Verify(data));
    }

    [Fact]
    public async Task SendAsync_CustomHeaders_SignsThemAndAlwaysFrom()
    {
        using var key = new DkimTestKey();

        var data = await SendThroughPickupAsync(key, TestMessages.Text("Custom.", "ann@example.org"), o => o.Dkim.Headers = ["Subject", "To"]);

        Assert.Equal(["from", "subject", "to"], SignedHeaders(data));
        Assert.True(key.Verify(data));
    }

    [Fact]
    public async Task SendAsync_DefaultHeaders_SignBothOneClickUnsubscribeHeadersAndListId()
    {
        using var key = new DkimTestKey();
        var data = await SendThroughPickupAsync(key, WithListHeaders(TestMessages.Text("News.", "ann@example.org")));

        var signed = SignedHeaders(data);
        Assert.Contains("list-id", signed);
        Assert.Contains("list-unsubscribe", signed);
        Assert.Contains("list-unsubscribe-post", signed);
        Assert.True(key.Verify(data));
    }

    [Fact]
    public async Task SendAsync_CustomHeadersWithoutTheUnsubscribePair_StillSignsIt()
    {
        using var key = new DkimTestKey();

        var data = await SendThroughPickupAsync(key, WithListHeaders(TestMessages.Text("News.", "ann@example.org")), o => o.Dkim.Headers = ["Subject"]);

        Assert.Equal(["from", "list-unsubscribe", "list-unsubscribe-post", "subject"], SignedHeaders(data));
        Assert.True(key.Verify(data));
    }

    [Fact]
    public async Task Verify_UnsubscribeUrlChangedAfterSigning_Fails()
    {
        using var key = new DkimTestKey();
        var data = await SendThroughPickupAsync(key, WithListHeaders(TestMessages.Text("News.", "ann@example.org")));

        var tampered = Replace(data, "https://example.com/u/abc", "https://example.net/u/abc");

        Assert.True(key.Verify(data));
        Assert.False(key.Verify(tampered));
    }

    private static MimeMessage WithListHeaders(MimeMessage message)
    {
        message.Headers.Add("List-Id", "<news.example.com>");
        message.Headers.Add(HeaderId.ListUnsubscribe, "<https://example.com/u/abc>");
        message.Headers.Add(HeaderId.ListUnsubscribePost, "List-Unsubscribe=One-Click");
        return message;
    }

    [Fact]
    public async Task Verify_BodyChangedAfterSigning_Fails()
    {
        using var key = new DkimTestKey();
        var data = await SendThroughPickupAsync(key, TestMessages.Text("Pay 10 EUR to account 1234.", "ann@example.org"));

        var tampered = Replace(data, "Pay 10 EUR", "Pay 99 EUR");

        Assert.True(key.Verify(data));
        Assert.False(key.Verify(tampered));
    }

    [Fact]
    public async Task Verify_SignedHeaderChangedAfterSigning_Fails()
    {
        using var key = new DkimTestKey();
        var data = await SendThroughPickupAsync(key, TestMessages.Text("Original subject.", "ann@example.org"));

        var tampered = Replace(data, "Subject: Test message", "Subject: Urgent message");

        Assert.False(key.Verify(tampered));
    }

    [Fact]
    public async Task SendAsync_EightBitBodyAndWhitespace_StillVerifies()
    {
        using var key = new DkimTestKey();
        var message = TestMessages.Text("Grüße aus Köln — ça va?  \r\n\r\n\r\n", "ann@example.org");

        var data = await SendThroughPickupAsync(key, message);

        Assert.True(key.Verify(data));
        Assert.All(data, b => Assert.True(b < 0x80, "the signed message is 7-bit, so no relay re-encodes it"));
    }

    [Fact]
    public async Task SendAsync_SameMessageTwice_CarriesOneSignature()
    {
        using var key = new DkimTestKey();
        await using var host = MailSenderHost.Create("pickup:" + Path.Combine(key.Folder, "out") + "?envelope=false", key.Configure);
        var message = TestMessages.Text("Twice.", "ann@example.org");

        await host.Sender.SendAsync(message);
        await host.Sender.SendAsync(message);

        Assert.Single(message.Headers, h => h.Id == HeaderId.DkimSignature);
        Assert.All(Directory.GetFiles(Path.Combine(key.Folder, "out")), f => Assert.True(key.Verify(File.ReadAllBytes(f))));
    }

    [Fact]
    public async Task SendAsync_SmtpTransport_ReceivedMessageVerifies()
    {
        using var key = new DkimTestKey();
        await using var server = await InProcessSmtpServer.StartAsync();
        await using var host = MailSenderHost.Create(TestTransports.Smtp(server.Port, "security=none"), key.Configure);

        await host.Sender.SendAsync(TestMessages.Text("Over SMTP.", "ann@example.org"));

        Assert.True(key.Verify(Assert.Single(server.Messages).Data));
    }

    [Fact]
    public async Task SendAsync_DirectTransportToTwoDomains_BothCopiesVerify()
    {
        using var key = new DkimTestKey();
        await using var server = await InProcessSmtpServer.StartAsync();
        var resolver = new FakeMxResolver()
            .Mx("mx-ok.test", ("mx1.mx-ok.test", 10)).Address("mx1.mx-ok.test", "127.0.0.1")
            .Address("nomx.test", "127.0.0.1");
        await using var host = MailSenderHost.Build(
            o =>
            {
                o.Resilience.Enabled = false;
                key.Configure(o);
            },
            build: b => b.UseTransport(_ => DirectTransportTests.Create(resolver, server.Port)));

        await host.Sender.SendAsync(TestMessages.Text("Direct and signed.", "ann@mx-ok.test", "bob@nomx.test"));

        Assert.Equal(2, server.Messages.Count);
        Assert.All(server.Messages, m => Assert.True(key.Verify(m.Data)));
    }

    [Fact]
    public async Task SendAsync_Ed25519Key_SignsWithEd25519AndVerifies()
    {
        using var key = new DkimTestKey();
        var generator = new Org.BouncyCastle.Crypto.Generators.Ed25519KeyPairGenerator();
        generator.Init(new Org.BouncyCastle.Crypto.Parameters.Ed25519KeyGenerationParameters(new Org.BouncyCastle.Security.SecureRandom()));
        var pair = generator.GenerateKeyPair();
        using var pem = new StringWriter();
        var writer = new Org.BouncyCastle.OpenSsl.PemWriter(pem);
        writer.WriteObject(new Org.BouncyCastle.OpenSsl.Pkcs8Generator(pair.Private));
        writer.Writer.Flush();
        var publicKey = Convert.ToBase64String(((Org.BouncyCastle.Crypto.Parameters.Ed25519PublicKeyParameters)pair.Public).GetEncoded());

        var data = await SendThroughPickupAsync(key, TestMessages.Text("Ed25519.", "ann@example.org"), o =>
        {
            o.Dkim.PrivateKeyFile = null;
            o.Dkim.PrivateKey = pem.ToString();
        });

        Assert.Contains("a=ed25519-sha256", MimeMessage.Load(new MemoryStream(data)).Headers[HeaderId.DkimSignature], StringComparison.Ordinal);
        Assert.True(key.Verify(data, "v=DKIM1; k=ed25519; p=" + publicKey));
    }

    [Fact]
    public async Task AddMailSender_DkimFromConfiguration_Signs()
    {
        using var key = new DkimTestKey();
        var folder = Path.Combine(key.Folder, "configured");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["MailSender:Transport"] = "pickup:" + folder + "?envelope=false",
                ["MailSender:Resilience:Enabled"] = "false",
                ["MailSender:Dkim:Domain"] = DkimTestKey.Domain,
                ["MailSender:Dkim:Selector"] = DkimTestKey.Selector,
                ["MailSender:Dkim:PrivateKeyFile"] = key.PemFile,
                ["MailSender:Dkim:Headers:0"] = "Subject",
                ["MailSender:Dkim:Headers:1"] = "Date",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddMailSender(configuration.GetSection("MailSender"));
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IEmailSender>().SendAsync(TestMessages.Text("Configured.", "ann@example.org"));

        var data = File.ReadAllBytes(Assert.Single(Directory.GetFiles(folder)));
        Assert.Equal(["from", "subject", "date"], SignedHeaders(data));
        Assert.True(key.Verify(data));
    }

    [SkippableFact]
    public async Task SendAsync_DkimConfigured_IndependentVerifierAcceptsAndDetectsTampering()
    {
        ExternalTool.Require(PythonDkimAvailable(), "python3-dkim is not installed (apt-get install python3-dkim, or run scripts/direct/setup.sh).");
        using var key = new DkimTestKey();
        var data = await SendThroughPickupAsync(key, TestMessages.Text("Checked by dkimpy.", "ann@example.org"));

        var (ok, output) = await PythonVerifyAsync(key, data);
        var (tamperedOk, tamperedOutput) = await PythonVerifyAsync(key, Replace(data, "Checked by", "Forged by"));

        Assert.True(ok, output);
        Assert.False(tamperedOk, tamperedOutput);
    }

    [Fact]
    public void Validation_UnreadableKeyFile_NamesTheFileAndNeverPrintsTheKey()
    {
        using var key = new DkimTestKey();
        var bad = Path.Combine(key.Folder, "broken.pem");
        File.WriteAllText(bad, "-----BEGIN PRIVATE KEY-----\nTOPSECRETKEYMATERIALTOPSECRET\n-----END PRIVATE KEY-----\n");

        var error = StartFailing(o =>
        {
            o.Dkim.Domain = "example.com";
            o.Dkim.Selector = "s1";
            o.Dkim.PrivateKeyFile = bad;
        });

        Assert.Contains("MailSender:Dkim: DKIM: the private key file '" + bad + "' is not a valid PEM private key", error, StringComparison.Ordinal);
        Assert.DoesNotContain("TOPSECRET", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_MissingKeyFile_NamesTheFile()
    {
        var error = StartFailing(o =>
        {
            o.Dkim.Domain = "example.com";
            o.Dkim.Selector = "s1";
            o.Dkim.PrivateKeyFile = "/nonexistent/dkim.pem";
        });

        Assert.Contains("the private key file '/nonexistent/dkim.pem' could not be read", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_BadKeyText_NeverPrintsIt()
    {
        var error = StartFailing(o =>
        {
            o.Dkim.Domain = "example.com";
            o.Dkim.Selector = "s1";
            o.Dkim.PrivateKey = "-----BEGIN RSA PRIVATE KEY-----\nTOPSECRETKEYMATERIAL==\n-----END RSA PRIVATE KEY-----";
        });

        Assert.Contains("the PrivateKey setting is not a valid PEM private key", error, StringComparison.Ordinal);
        Assert.DoesNotContain("TOPSECRET", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "s1", true, "Domain and Selector are both required")]
    [InlineData("example.com", "s1", false, "a private key is required")]
    public void Validation_IncompleteSettings_SaysWhatIsMissing(string? domain, string? selector, bool withKey, string expected)
    {
        using var key = new DkimTestKey();
        var error = StartFailing(o =>
        {
            o.Dkim.Domain = domain;
            o.Dkim.Selector = selector;
            o.Dkim.PrivateKeyFile = withKey ? key.PemFile : null;
        });

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_ShortRsaKey_Refused()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(512);
        var error = StartFailing(o =>
        {
            o.Dkim.Domain = "example.com";
            o.Dkim.Selector = "s1";
            o.Dkim.PrivateKey = rsa.ExportPkcs8PrivateKeyPem();
        });

        Assert.Contains("RSA key of 512 bits", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_SignedMessageOverSizeOnlyWithItsSignature_RefusedBeforeMail()
    {
        // Signing re-encodes 8-bit parts to 7 bit and adds a header: the SIZE pre-check must see the signed message.
        using var key = new DkimTestKey();
        var message = TestMessages.Text(string.Concat(Enumerable.Repeat("Grüße aus Köln, ça va très bien. ", 2000)), "ann@example.org");
        await using var open = ScriptedSmtpServer.Start(new SmtpScript());
        await using (var host = MailSenderHost.Create(TestTransports.Smtp(open.Port, "security=none"), key.Configure))
        {
            await host.Sender.SendAsync(message);
        }

        // The exact signed size (DATA as received plus the final CRLF of the dot line), and the signature's share of it.
        var wire = Assert.Single(open.Transactions).Data.LongLength;
        var signature = MimeMessage.Load(new MemoryStream(Assert.Single(open.Transactions).Data)).Headers.First(h => h.Id == HeaderId.DkimSignature);
        var signatureBytes = signature.Field.Length + 1 + signature.RawValue.Length;
        var limit = wire - (signatureBytes / 2);
        await using var limited = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", $"SIZE {limit}"] });
        await using (var host = MailSenderHost.Create(TestTransports.Smtp(limited.Port, "security=none"), key.Configure))
        {
            // The same object again: re-signed with a signature of the same length, so the same size.
            var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(message));

            Assert.Equal(EmailErrorKind.MessageTooLarge, error.Kind);
            Assert.Contains($"accepts at most {limit:N0} bytes (SIZE)", error.Message, StringComparison.Ordinal);
        }

        Assert.Empty(limited.CommandsStartingWith("MAIL"));
    }

    [Fact]
    public async Task GetSender_AfterStartUpValidation_ReusesTheSignerWithoutReadingTheKeyAgain()
    {
        // The validator loads the key at start-up; the sender used to read and parse it a second time.
        using var key = new DkimTestKey();
        var file = Path.Combine(key.Folder, "once.pem");
        File.Copy(key.PemFile, file);
        var folder = Path.Combine(key.Folder, "pickup-" + Guid.NewGuid().ToString("N"));
        var services = new ServiceCollection();
        services.AddMailSender(o =>
        {
            o.Transport = "pickup:" + folder + "?envelope=false";
            key.Configure(o);
            o.Dkim.PrivateKeyFile = file;
        });
        await using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IOptionsMonitor<MailSenderOptions>>().Get(Options.DefaultName);
        File.Delete(file);

        await provider.GetRequiredService<IEmailSender>().SendAsync(TestMessages.Text("Signed once.", "ann@example.org"));

        Assert.True(key.Verify(File.ReadAllBytes(Assert.Single(Directory.GetFiles(folder, "*.eml")))));
    }

    [Fact]
    public void DkimSigners_SettingsChangedAfterwards_BuildsAgain()
    {
        using var key = new DkimTestKey();
        var options = new MailSenderOptions();
        key.Configure(options);
        var signers = new MailSender.Dkim.DkimSigners();
        var first = signers.Get(string.Empty, options.Dkim);

        options.Dkim.Selector = "other";
        var second = signers.Get(string.Empty, options.Dkim);

        Assert.Same(second, signers.Get(string.Empty, options.Dkim));
        Assert.NotSame(second, signers.Get("other-sender", options.Dkim));
        Assert.NotSame(first, second);
        Assert.Equal("other", second!.Selector);
    }

    private static async Task<byte[]> SendThroughPickupAsync(DkimTestKey key, MimeMessage message, Action<MailSenderOptions>? configure = null)
    {
        var folder = Path.Combine(key.Folder, "pickup-" + Guid.NewGuid().ToString("N"));
        await MailSenderHost.SendAsync("pickup:" + folder + "?envelope=false", message, o =>
        {
            key.Configure(o);
            configure?.Invoke(o);
        });
        return File.ReadAllBytes(Assert.Single(Directory.GetFiles(folder, "*.eml")));
    }

    private static string StartFailing(Action<MailSenderOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddMailSender(o =>
        {
            o.Transport = "pickup:./unused";
            configure(o);
        });
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<MailSenderOptions>>().Get(Options.DefaultName));
        return error.Message;
    }

    private static string[] SignedHeaders(byte[] data)
    {
        var signature = MimeMessage.Load(new MemoryStream(data)).Headers[HeaderId.DkimSignature];
        var tag = signature!.Split(';').Select(t => t.Trim()).Single(t => t.StartsWith("h=", StringComparison.Ordinal));
        return tag[2..].Split(':').Select(h => string.Concat(h.Where(c => !char.IsWhiteSpace(c))).ToLowerInvariant()).ToArray();
    }

    private static byte[] Replace(byte[] data, string from, string to)
    {
        var text = Encoding.ASCII.GetString(data);
        Assert.Contains(from, text, StringComparison.Ordinal);
        return Encoding.ASCII.GetBytes(text.Replace(from, to, StringComparison.Ordinal));
    }

    private const string PythonVerifier = """
        import sys, dkim
        txt = open(sys.argv[1], 'rb').read()
        ok = dkim.verify(sys.stdin.buffer.read(), dnsfunc=lambda name, timeout=5: txt if name == b'test2026._domainkey.example.com.' else None)
        print('signature ok' if ok else 'signature verification failed')
        sys.exit(0 if ok else 1)
        """;

    private static bool PythonDkimAvailable()
    {
        if (!File.Exists("/usr/bin/python3"))
        {
            return false;
        }

        using var process = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-c", "import dkim"]) { RedirectStandardError = true })!;
        process.WaitForExit(10_000);
        return process.ExitCode == 0;
    }

    /// <summary>Runs dkimpy's verifier (the library behind Debian's dkimverify) with the test key as the only DNS answer.</summary>
    private static async Task<(bool Ok, string Output)> PythonVerifyAsync(DkimTestKey key, byte[] data)
    {
        var txtFile = Path.Combine(key.Folder, "txt-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(txtFile, key.TxtRecord);
        var start = new ProcessStartInfo("/usr/bin/python3", ["-c", PythonVerifier, txtFile])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.BaseStream.WriteAsync(data);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode == 0, output);
    }
}
