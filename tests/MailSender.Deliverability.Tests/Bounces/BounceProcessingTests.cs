using MailKit.Security;
using MailSender.Deliverability.Processing;
using MailSender.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailSender.Deliverability.Tests.Bounces;

/// <summary><c>AddBounceProcessing</c>: options checked at start-up, bound from configuration, and the background service's runs.</summary>
public sealed class BounceProcessingTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bounce-processing-" + Guid.NewGuid().ToString("N"));
    private readonly CapturingLoggerProvider _logs = new();

    public BounceProcessingTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(false, false, false, "set exactly one source of bounces (Maildir, Folder or Imap); none is set")]
    [InlineData(true, true, false, "2 are set")]
    [InlineData(true, true, true, "3 are set")]
    public void Sources_NotExactlyOne_FailsAtStartUp(bool maildir, bool folder, bool imap, string expected)
    {
        using var provider = Build(o =>
        {
            o.Maildir = maildir ? "/var/mail/bounces" : null;
            o.Folder = folder ? "/var/bounces" : null;
            o.Imap = imap ? new ImapBounceMailbox { Host = "imap.example.com", UserName = "u", Password = "p" } : null;
        });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<BounceProcessingOptions>>().Value);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Imap_Incomplete_NamesEachMissingSetting_AndABadIntervalAndPort()
    {
        using var provider = Build(o =>
        {
            o.Imap = new ImapBounceMailbox { Port = 70000, Folder = " " };
            o.Interval = TimeSpan.FromMilliseconds(10);
        });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<BounceProcessingOptions>>().Value);
        Assert.Contains("MailSender:Bounces:Imap:Host is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("MailSender:Bounces:Imap:UserName is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("MailSender:Bounces:Imap:Password is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("Port must be between 1 and 65535", error.Message, StringComparison.Ordinal);
        Assert.Contains("Imap:Folder must name a folder", error.Message, StringComparison.Ordinal);
        Assert.Contains("Interval must be at least one second", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configuration_BindsTheImapMailbox()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Imap:Host"] = "imap.example.com",
            ["Imap:Port"] = "143",
            ["Imap:Security"] = "StartTls",
            ["Imap:UserName"] = "bounces@example.com",
            ["Imap:Password"] = "secret",
            ["Imap:ProcessedFolder"] = "Done",
            ["Interval"] = "00:10:00",
        }).Build();
        var services = new ServiceCollection();
        services.AddBounceProcessing(configuration);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<BounceProcessingOptions>>().Value;

        Assert.Equal("imap.example.com", options.Imap!.Host);
        Assert.Equal(143, options.Imap.Port);
        Assert.Equal(SecureSocketOptions.StartTls, options.Imap.Security);
        Assert.Equal("Done", options.Imap.ProcessedFolder);
        Assert.Equal("INBOX", options.Imap.Folder);
        Assert.Equal(TimeSpan.FromMinutes(10), options.Interval);
    }

    [Fact]
    public void DocumentedExample_BindsAndValidates()
    {
        var text = File.ReadAllText(RepositoryFiles.PathOf("docs/deliverability.md"));
        var json = System.Text.RegularExpressions.Regex.Matches(text, @"```json\r?\n(?<json>.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline)
            .Select(m => m.Groups["json"].Value)
            .Single(block => block.Contains("\"Bounces\"", StringComparison.Ordinal));
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();
        var services = new ServiceCollection();
        services.AddBounceProcessing(configuration.GetSection("MailSender:Bounces"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<BounceProcessingOptions>>().Value;

        Assert.Equal("imap.example.com", options.Imap!.Host);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Interval);
    }

    [Fact]
    public void Configuration_WithAMisspelledKey_FailsNamingIt()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Mailldir"] = "/var/mail" }).Build();
        var services = new ServiceCollection();
        services.AddBounceProcessing(configuration);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IOptions<BounceProcessingOptions>>().Value);
        Assert.Contains("Mailldir", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostedService_ProcessesAtStartUp_UpdatesTheSuppressionList_AndCallsEveryHandler()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "bounce.eml"), Samples.PostfixHardBounce.ReplaceLineEndings("\r\n"));
        var handler = new RecordingHandler();
        using var provider = Build(o => o.Folder = _folder, services => services.AddSingleton<IBounceReportHandler>(handler));
        var service = Assert.Single(provider.GetServices<IHostedService>().OfType<BounceProcessingService>());

        await service.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => File.Exists(Path.Combine(_folder, "processed", "bounce.eml")), "the report moved to processed/");
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }

        var suppression = provider.GetRequiredService<IEmailSuppressionList>();
        Assert.Equal(SuppressionReason.HardBounce, (await suppression.FindAsync("nobody@example.org", list: null))!.Reason);
        var report = Assert.Single(handler.Reports);
        Assert.Equal("orig-1@example.com", report.OriginalMessageId);
        var processed = Assert.Single(_logs.Events, e => e.Id == 3);
        Assert.Contains($"folder {_folder}: 1 report(s) acted on, 0 message(s) skipped", processed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WhenTheSourceFails_IsLoggedNotThrown_AndNeverShowsThePassword()
    {
        using var provider = Build(o => o.Imap = new ImapBounceMailbox
        {
            Host = "127.0.0.1",
            Port = LoopbackPorts.Closed(),
            Security = SecureSocketOptions.None,
            UserName = "bounces",
            Password = "s3cret-pa55",
            Timeout = TimeSpan.FromSeconds(5),
        });
        var service = Assert.Single(provider.GetServices<IHostedService>().OfType<BounceProcessingService>());

        var summary = await service.RunOnceAsync(CancellationToken.None);

        Assert.Null(summary);
        var failure = Assert.Single(_logs.Events, e => e.Id == 4);
        Assert.Equal(LogLevel.Warning, failure.Level);
        Assert.Contains("imap bounces@127.0.0.1/INBOX", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Could not connect to the IMAP server", failure.Message, StringComparison.Ordinal);
        Assert.All(_logs.Events, e => Assert.DoesNotContain("s3cret-pa55", string.Concat(e.Texts), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Handler_ThatThrows_LeavesTheReportInPlace_ForTheNextRun()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "bounce.eml"), Samples.PostfixHardBounce.ReplaceLineEndings("\r\n"));
        var failing = new RecordingHandler { Fail = true };
        using var provider = Build(o => o.Folder = _folder, services => services.AddSingleton<IBounceReportHandler>(failing));
        var service = Assert.Single(provider.GetServices<IHostedService>().OfType<BounceProcessingService>());

        Assert.Null(await service.RunOnceAsync(CancellationToken.None));
        Assert.True(File.Exists(Path.Combine(_folder, "bounce.eml")));

        failing.Fail = false;
        Assert.Single((await service.RunOnceAsync(CancellationToken.None))!.Reports);
        Assert.False(File.Exists(Path.Combine(_folder, "bounce.eml")));
    }

    private ServiceProvider Build(Action<BounceProcessingOptions> configure, Action<IServiceCollection>? more = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(_logs));
        more?.Invoke(services);
        services.AddBounceProcessing(configure);
        return services.BuildServiceProvider();
    }

    private sealed class RecordingHandler : IBounceReportHandler
    {
        public List<BounceReport> Reports { get; } = [];

        public bool Fail { get; set; }

        public Task HandleAsync(BounceReport report, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                throw new InvalidOperationException("the handler's store is down");
            }

            Reports.Add(report);
            return Task.CompletedTask;
        }
    }
}
