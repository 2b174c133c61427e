using Microsoft.Extensions.DependencyInjection;

namespace MailSender.Deliverability.Tests.Bounces;

public sealed class BounceProcessorTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mailsender-bounces-" + Guid.NewGuid().ToString("N"));
    private readonly ServiceProvider _provider = new ServiceCollection().AddSuppressionList().BuildServiceProvider();

    private IEmailSuppressionList List => _provider.GetRequiredService<IEmailSuppressionList>();

    public void Dispose()
    {
        _provider.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task PostfixHardBounce_IsParsed_MatchedToTheOriginal_AndSuppressesTheRecipient()
    {
        var report = await new BounceProcessor(List).ProcessAsync(Samples.Load(Samples.PostfixHardBounce));

        Assert.NotNull(report);
        Assert.Equal(BounceReportType.DeliveryStatus, report.Type);
        Assert.Equal("orig-1@example.com", report.OriginalMessageId);
        Assert.Equal("order+42", report.OriginalEnvelopeId);
        Assert.Equal("mx.example.org", report.ReportingMta);
        var recipient = Assert.Single(report.Recipients);
        Assert.Equal(new BounceRecipient("nobody@example.org", BounceKind.HardBounce, "5.1.1", "unknown user: \"nobody\""), recipient);
        var entry = await List.FindAsync("nobody@example.org", "any-list");
        Assert.NotNull(entry);
        Assert.Equal(SuppressionReason.HardBounce, entry.Reason);
        Assert.Null(entry.List);
        Assert.Contains("5.1.1", entry.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DelayedAndDelivered_AreReported_ButSuppressNobody()
    {
        var report = await new BounceProcessor(List).ProcessAsync(Samples.Load(Samples.EximDelayAndDelivered));

        Assert.NotNull(report);
        Assert.Equal("orig-2@example.com", report.OriginalMessageId);
        Assert.Equal([BounceKind.SoftBounce, BounceKind.Delivered], report.Recipients.Select(r => r.Kind));
        Assert.Null(await List.FindAsync("slow@example.net", null));
        Assert.Null(await List.FindAsync("fine@example.net", null));
    }

    [Fact]
    public async Task ArfComplaint_SuppressesTheComplainer()
    {
        var report = await new BounceProcessor(List).ProcessAsync(Samples.Load(Samples.Complaint));

        Assert.NotNull(report);
        Assert.Equal(BounceReportType.Feedback, report.Type);
        Assert.Equal("abuse", report.FeedbackType);
        Assert.Equal("orig-3@example.com", report.OriginalMessageId);
        Assert.Equal(BounceKind.Complaint, Assert.Single(report.Recipients).Kind);
        Assert.Equal(SuppressionReason.Complaint, (await List.FindAsync("angry@mailbox.example", null))!.Reason);
    }

    [Theory]
    [InlineData(nameof(Samples.DeliveryStatusWithoutStatusPart), "without its message/delivery-status part")]
    [InlineData(nameof(Samples.GarbageStatus), "Status (x.y.z)")]
    [InlineData(nameof(Samples.AutoReply), "not a report")]
    public async Task MalformedOrNotAReport_IsSkippedWithAReason_AndChangesNothing(string sample, string reason)
    {
        var text = (string)typeof(Samples).GetField(sample)!.GetValue(null)!;
        var logger = new RecordingLogger();

        var report = await new BounceProcessor(List, logger).ProcessAsync(Samples.Load(text));

        Assert.Null(report);
        Assert.Contains(logger.Lines, l => l.Contains(reason, StringComparison.Ordinal));
        Assert.Null(await List.FindAsync("someone@example.org", null));
    }

    [Fact]
    public async Task Maildir_ReportsAreMarkedSeen_MalformedAndOtherMailAreLeftInNew()
    {
        var maildir = Path.Combine(_folder, "Maildir");
        foreach (var dir in new[] { "new", "cur", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(maildir, dir));
        }

        File.WriteAllText(Path.Combine(maildir, "new", "1.host"), Samples.PostfixHardBounce.ReplaceLineEndings("\n"));
        File.WriteAllText(Path.Combine(maildir, "new", "2.host"), Samples.GarbageStatus.ReplaceLineEndings("\n"));
        File.WriteAllText(Path.Combine(maildir, "new", "3.host"), Samples.AutoReply.ReplaceLineEndings("\n"));
        File.WriteAllText(Path.Combine(maildir, "cur", "4.host:2,"), Samples.Complaint.ReplaceLineEndings("\n"));
        File.WriteAllText(Path.Combine(maildir, "cur", "5.host:2,S"), Samples.EximDelayAndDelivered.ReplaceLineEndings("\n"));
        var garbage = File.ReadAllBytes(Path.Combine(maildir, "new", "2.host"));

        var summary = await new BounceProcessor(List).ProcessMaildirAsync(maildir);

        Assert.Equal(2, summary.Reports.Count);
        Assert.Equal(2, summary.Skipped.Count);
        Assert.Equal(["2.host", "3.host"], Directory.GetFiles(Path.Combine(maildir, "new")).Select(Path.GetFileName).Order());
        Assert.Equal(["1.host:2,S", "4.host:2,S", "5.host:2,S"], Directory.GetFiles(Path.Combine(maildir, "cur")).Select(Path.GetFileName).Order());
        Assert.Equal(garbage, File.ReadAllBytes(Path.Combine(maildir, "new", "2.host")));
        Assert.NotNull(await List.FindAsync("nobody@example.org", null));
        Assert.NotNull(await List.FindAsync("angry@mailbox.example", null));

        var again = await new BounceProcessor(List).ProcessMaildirAsync(maildir);
        Assert.Empty(again.Reports);
    }

    [Fact]
    public async Task Folder_ReportsMoveToProcessed_OthersStay()
    {
        Directory.CreateDirectory(_folder);
        File.WriteAllText(Path.Combine(_folder, "a.eml"), Samples.PostfixHardBounce);
        File.WriteAllText(Path.Combine(_folder, "b.eml"), Samples.DeliveryStatusWithoutStatusPart);

        var summary = await new BounceProcessor(List).ProcessFolderAsync(_folder);

        Assert.Single(summary.Reports);
        Assert.Equal(Path.Combine(_folder, "b.eml"), Assert.Single(summary.Skipped).Path);
        Assert.True(File.Exists(Path.Combine(_folder, "processed", "a.eml")));
        Assert.True(File.Exists(Path.Combine(_folder, "b.eml")));
    }

    [Fact]
    public async Task NotAMaildir_IsAClearError()
    {
        var error = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => new BounceProcessor(List).ProcessMaildirAsync(_folder));

        Assert.Contains("is not a Maildir", error.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingLogger : Microsoft.Extensions.Logging.ILogger<BounceProcessor>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
