using System.Text;
using MailSender.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailSender.Tests.DependencyInjection;

public sealed class MailSenderServiceCollectionExtensionsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mailsender-di-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task AddMailSender_FromConfigurationJson_BindsAndSends()
    {
        var folder = _folder.Replace("\\", "\\\\", StringComparison.Ordinal);
        var json = "{\"MailSender\": {\"Transport\": \"pickup:" + folder + "\", \"DefaultFrom\": \"App <app@example.com>\", \"Smtp\": {\"CommandTimeout\": \"00:00:10\"}}}";
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var services = new ServiceCollection();
        services.AddMailSender(configuration.GetSection("MailSender"));
        await using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<MailSenderOptions>>().Get(Options.DefaultName);
        var result = await provider.GetRequiredService<IEmailSender>().SendAsync("ann@example.com", "Hi", "Body");

        Assert.Equal(TimeSpan.FromSeconds(10), options.Smtp.CommandTimeout);
        Assert.NotNull(result.FilePath);
        var written = await MimeMessage.LoadAsync(result.FilePath);
        Assert.Equal("app@example.com", written.From.Mailboxes.Single().Address);
        Assert.Equal("Body", written.TextBody?.TrimEnd());
    }

    [Fact]
    public void AddMailSender_InvalidOptions_ReportsEverySettingAtOnce()
    {
        var services = new ServiceCollection();
        services.AddMailSender(o =>
        {
            o.Transport = "smtp://host:99999";
            o.DefaultFrom = "not an address";
            o.Smtp.CommandTimeout = TimeSpan.Zero;
            o.Smtp.Tls.TrustedCertificateThumbprint = "xyz";
            o.Smtp.Tls.TrustedCaFile = "/nonexistent/ca.pem";
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IEmailSender>());

        Assert.Contains(ex.Failures, f => f.StartsWith("MailSender:Transport", StringComparison.Ordinal) && f.Contains("port", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("MailSender:DefaultFrom", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("MailSender:Smtp:CommandTimeout", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("MailSender:Smtp:Tls:TrustedCertificateThumbprint", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("MailSender:Smtp:Tls:TrustedCaFile", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("smtp://host:587")]
    [InlineData("relay://sendgrid")]
    [InlineData("direct:")]
    public void AddMailSender_BadTlsOptions_EachReportedOnceUnderItsKey(string transport)
    {
        var services = new ServiceCollection();
        services.AddMailSender(o =>
        {
            o.Transport = transport;
            o.UserName = "apikey";
            o.Password = "secret";
            o.Smtp.Tls.TrustedCertificateThumbprint = "xyz";
            o.Smtp.Tls.TrustedCaFile = "/nonexistent/ca.pem";
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IEmailSender>());

        Assert.Equal(
            ["MailSender:Smtp:Tls:TrustedCaFile", "MailSender:Smtp:Tls:TrustedCertificateThumbprint"],
            ex.Failures.Select(f => f[..f.IndexOfAny([':', ' '], "MailSender:Smtp:Tls:".Length)]).Order());
    }

    [Fact]
    public void AddMailSender_BadTlsUriParameters_ReportedOnceAsTheTransports()
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.Transport = "smtp://host:587?thumbprint=xyz");
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IEmailSender>());

        var failure = Assert.Single(ex.Failures);
        Assert.StartsWith("MailSender:Transport", failure, StringComparison.Ordinal);
        Assert.Contains("option 'thumbprint'", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void AddMailSender_NoTransport_SaysItIsRequired()
    {
        var services = new ServiceCollection();
        services.AddMailSender(_ => { });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IEmailSender>());

        Assert.Contains("MailSender:Transport is required", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddMailSender_PasswordInUri_NeverAppearsInValidationErrors()
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.Transport = "smtp://user:Secr3tPw@host?securty=none");
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IEmailSender>());

        Assert.Contains("securty", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Secr3tPw", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddMailSender_UnknownScheme_ListsKnownSchemes()
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.Transport = "ftp://host");
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IEmailSender>());

        Assert.Contains("'ftp:'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("smtp:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddMailSender_NamedSenders_ResolveByKeyAndFactoryAsSingletons()
    {
        var services = new ServiceCollection();
        services.AddMailSender("transactional", o => o.Transport = "pickup:" + Path.Combine(_folder, "t"));
        services.AddMailSender("bulk", o => o.Transport = "pickup:" + Path.Combine(_folder, "b"));
        await using var provider = services.BuildServiceProvider();

        var keyed = provider.GetRequiredKeyedService<IEmailSender>("bulk");
        var fromFactory = provider.GetRequiredService<IEmailSenderFactory>().GetSender("bulk");
        var transactional = provider.GetRequiredKeyedService<IEmailSender>("transactional");
        var result = await keyed.SendAsync(TestMessages.Text());

        Assert.Same(keyed, fromFactory);
        Assert.NotSame(keyed, transactional);
        Assert.Null(provider.GetService<IEmailSender>());
        Assert.StartsWith(Path.Combine(_folder, "b"), result.FilePath, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IEmailSenderFactory>().GetSender("missing"));
    }

    [Fact]
    public async Task UseTransport_CustomTransport_ReceivesPreparedMessage()
    {
        var custom = new RecordingTransport();
        var services = new ServiceCollection();
        services.AddMailSender(o => o.DefaultFrom = "app@example.com").UseTransport(_ => custom);
        await using var provider = services.BuildServiceProvider();

        var message = TestMessages.Text();
        message.From.Clear();
        var result = await provider.GetRequiredService<IEmailSender>().SendAsync(message);

        var (sent, envelope) = Assert.Single(custom.Sent);
        Assert.Equal("app@example.com", envelope.Sender.Address);
        Assert.Equal(message.MessageId, result.MessageId);
        Assert.Equal("custom:", result.Transport);
        Assert.Same(message, sent);
    }

    [Fact]
    public async Task SendAsync_InvalidMessage_NeverReachesTransport()
    {
        var custom = new RecordingTransport();
        var services = new ServiceCollection();
        services.AddMailSender(_ => { }).UseTransport(_ => custom);
        await using var provider = services.BuildServiceProvider();
        var message = TestMessages.Text();
        message.To.Clear();

        var ex = await Assert.ThrowsAsync<EmailSendException>(() => provider.GetRequiredService<IEmailSender>().SendAsync(message));

        Assert.Equal(EmailErrorKind.InvalidMessage, ex.Kind);
        Assert.Empty(custom.Sent);
    }

    [Fact]
    public async Task SendAsync_AfterDispose_Throws()
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.Transport = "pickup:" + _folder);
        var provider = services.BuildServiceProvider();
        var sender = provider.GetRequiredService<IEmailSender>();
        await provider.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => sender.SendAsync(TestMessages.Text()));
    }

    [Fact]
    public async Task SendAsync_ConcurrentCallers_ShareOneSenderSafely()
    {
        var custom = new RecordingTransport();
        var services = new ServiceCollection();
        services.AddMailSender(_ => { }).UseTransport(_ => custom);
        await using var provider = services.BuildServiceProvider();

        var senders = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => provider.GetRequiredService<IEmailSender>())));
        await Task.WhenAll(senders.Select(s => s.SendAsync(TestMessages.Text())));

        Assert.Single(senders.Distinct());
        Assert.Equal(20, custom.Sent.Count);
    }

    private sealed class RecordingTransport : IEmailTransport
    {
        public System.Collections.Concurrent.ConcurrentQueue<(MimeMessage, MailEnvelope)> Sent { get; } = new();

        public string Name => "custom:";

        public Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default)
        {
            Sent.Enqueue((message, envelope));
            return Task.FromResult(new SendResult { MessageId = message.MessageId ?? string.Empty, Transport = Name });
        }
    }
}
