using MailSender.Smtp.Detection;
using Microsoft.Extensions.Time.Testing;

namespace MailSender.Tests.Smtp.Detection;

/// <summary>The per-host cache of detection results: lifetime on a fake clock, shared detections, failures not kept. No network.</summary>
public class DetectedEndpointCacheTests
{
    [Fact]
    public async Task GetAsync_WithinLifetime_DetectsOnce()
    {
        var clock = new FakeTimeProvider();
        var detector = new CountingDetector();
        var cache = new DetectedEndpointCache(detector, clock);
        var request = Request(TimeSpan.FromMinutes(10));

        var first = await cache.GetAsync(request, null, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(9));
        var second = await cache.GetAsync(request, null, CancellationToken.None);

        Assert.Equal(1, detector.Calls);
        Assert.Same(first, second);
    }

    [Fact]
    public async Task GetAsync_AfterLifetime_DetectsAgain()
    {
        var clock = new FakeTimeProvider();
        var detector = new CountingDetector();
        var cache = new DetectedEndpointCache(detector, clock);
        var request = Request(TimeSpan.FromMinutes(10));

        await cache.GetAsync(request, null, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(10));
        await cache.GetAsync(request, null, CancellationToken.None);

        Assert.Equal(2, detector.Calls);
    }

    [Fact]
    public async Task GetAsync_ZeroLifetime_DetectsEveryTime()
    {
        var detector = new CountingDetector();
        var cache = new DetectedEndpointCache(detector, new FakeTimeProvider());

        await cache.GetAsync(Request(TimeSpan.Zero), null, CancellationToken.None);
        await cache.GetAsync(Request(TimeSpan.Zero), null, CancellationToken.None);

        Assert.Equal(2, detector.Calls);
    }

    [Fact]
    public async Task GetAsync_OtherHost_DetectsSeparately()
    {
        var detector = new CountingDetector();
        var cache = new DetectedEndpointCache(detector, new FakeTimeProvider());

        await cache.GetAsync(Request(TimeSpan.FromHours(1)), null, CancellationToken.None);
        await cache.GetAsync(Request(TimeSpan.FromHours(1), "smtp.other.test"), null, CancellationToken.None);

        Assert.Equal(2, detector.Calls);
    }

    [Fact]
    public async Task GetAsync_ConcurrentCallers_ShareOneDetection()
    {
        var detector = new CountingDetector { Gate = new TaskCompletionSource() };
        var cache = new DetectedEndpointCache(detector, new FakeTimeProvider());
        var request = Request(TimeSpan.FromHours(1));

        var callers = Enumerable.Range(0, 8).Select(_ => cache.GetAsync(request, null, CancellationToken.None)).ToArray();
        detector.Gate.SetResult();
        await Task.WhenAll(callers);

        Assert.Equal(1, detector.Calls);
    }

    [Fact]
    public async Task GetAsync_NothingUsable_ThrowsAndKeepsNoFailure()
    {
        var detector = new CountingDetector { Usable = false };
        var cache = new DetectedEndpointCache(detector, new FakeTimeProvider());
        var request = Request(TimeSpan.FromHours(1));

        var error = await Assert.ThrowsAsync<EmailSendException>(() => cache.GetAsync(request, null, CancellationToken.None));
        detector.Usable = true;
        await cache.GetAsync(request, null, CancellationToken.None);

        Assert.Equal(EmailErrorKind.Timeout, error.Kind);
        Assert.Contains("smtp.example.test:587", error.Message, StringComparison.Ordinal);
        Assert.Equal(MailSender.Smtp.Protocol.SmtpHints.Port25Blocked, error.Hint);
        Assert.Equal(2, detector.Calls);
    }

    [Fact]
    public async Task GetAsync_NothingUsableForTwoTransports_EachErrorNamesItsCaller()
    {
        var detector = new CountingDetector { Usable = false };
        var cache = new DetectedEndpointCache(detector, new FakeTimeProvider());
        var request = Request(TimeSpan.FromHours(1));

        var first = await Assert.ThrowsAsync<EmailSendException>(() => cache.GetAsync(request, "smtp://a", CancellationToken.None));
        var second = await Assert.ThrowsAsync<EmailSendException>(() => cache.GetAsync(request, "smtp://b", CancellationToken.None));

        Assert.Equal("smtp://a", first.Transport);
        Assert.Equal("smtp://b", second.Transport);
        Assert.Equal(first.Hint, second.Hint);
    }

    private static SmtpDetectionRequest Request(TimeSpan lifetime, string host = "smtp.example.test") =>
        new(host) { Options = new SmtpDetectionOptions { CacheLifetime = lifetime } };

    private sealed class CountingDetector : ISmtpEndpointDetector
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public bool Usable { get; set; } = true;

        public TaskCompletionSource? Gate { get; init; }

        public async Task<SmtpDetectionReport> DetectAsync(SmtpDetectionRequest request, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            if (Gate is not null)
            {
                await Gate.Task;
            }

            var attempt = new SmtpProbeAttempt
            {
                Host = request.Host,
                Port = 587,
                Security = SmtpSecurity.StartTls,
                Source = SmtpProbeSource.Probe,
                Outcome = Usable ? SmtpProbeOutcome.Usable : SmtpProbeOutcome.TimedOut,
                ErrorKind = Usable ? null : EmailErrorKind.Timeout,
                Hint = Usable ? null : MailSender.Smtp.Protocol.SmtpHints.Port25Blocked,
            };
            return new SmtpDetectionReport
            {
                Host = request.Host,
                Attempts = [attempt],
                Recommended = Usable ? new SmtpEndpointRecommendation { Host = request.Host, Port = 587, Security = SmtpSecurity.StartTls } : null,
            };
        }
    }
}
