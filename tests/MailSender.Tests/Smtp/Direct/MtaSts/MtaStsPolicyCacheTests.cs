using MailSender.Smtp.Direct.MtaSts;
using MailSender.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace MailSender.Tests.Smtp.Direct.MtaSts;

/// <summary>The policy cache's rules (RFC 8461, 3.3 and 5.1): by id and max_age, the cached policy when the live one is unavailable, the five-minute hold after a failure.</summary>
public class MtaStsPolicyCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakePolicyFetcher _fetcher = new();
    private readonly Dictionary<string, MtaStsTxt> _txt = new(StringComparer.Ordinal);
    private readonly CapturingLoggerProvider _logs = new();

    [Fact]
    public async Task GetAsync_NoRecord_NoPolicyAndNoFetch()
    {
        var cache = Create();

        Assert.Null(await cache.GetAsync("plain.test", CancellationToken.None));
        Assert.Empty(_fetcher.Fetches);
        Assert.Empty(_logs.Events);
    }

    [Fact]
    public async Task GetAsync_EnforcePolicy_FetchedOnceWhileTheIdStaysTheSame()
    {
        Record("sts.test", "v=STSv1; id=1");
        _fetcher.Serve("sts.test", FakePolicyFetcher.Policy("enforce", 86400, "mx.sts.test"));
        var cache = Create();

        var first = await cache.GetAsync("sts.test", CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(1));
        var second = await cache.GetAsync("sts.test", CancellationToken.None);

        Assert.Equal(MtaStsMode.Enforce, first!.Mode);
        Assert.Same(first, second);
        Assert.Equal(["sts.test"], _fetcher.Fetches);
        Assert.Contains(_logs.Events, e => e.Id == 245);
    }

    [Fact]
    public async Task GetAsync_NewId_FetchesAgain()
    {
        Record("sts.test", "v=STSv1; id=1");
        _fetcher.Serve("sts.test", FakePolicyFetcher.Policy("testing", 86400, "mx.sts.test"));
        var cache = Create();
        Assert.Equal(MtaStsMode.Testing, (await cache.GetAsync("sts.test", CancellationToken.None))!.Mode);

        Record("sts.test", "v=STSv1; id=2");
        _fetcher.Serve("sts.test", FakePolicyFetcher.Policy("enforce", 86400, "mx.sts.test"));

        Assert.Equal(MtaStsMode.Enforce, (await cache.GetAsync("sts.test", CancellationToken.None))!.Mode);
        Assert.Equal(2, _fetcher.Fetches.Count);
    }

    [Fact]
    public async Task GetAsync_ModeNone_NoPolicyButCached()
    {
        Record("none.test", "v=STSv1; id=1");
        _fetcher.Serve("none.test", FakePolicyFetcher.Policy("none", 86400));
        var cache = Create();

        Assert.Null(await cache.GetAsync("none.test", CancellationToken.None));
        Assert.Null(await cache.GetAsync("none.test", CancellationToken.None));
        Assert.Single(_fetcher.Fetches);
    }

    [Fact]
    public async Task GetAsync_FetchFailsAndNothingCached_NoPolicyAndNoRefetchForFiveMinutes()
    {
        Record("down.test", "v=STSv1; id=1");
        _fetcher.Fail("down.test", "connection refused");
        var cache = Create();

        Assert.Null(await cache.GetAsync("down.test", CancellationToken.None));
        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Null(await cache.GetAsync("down.test", CancellationToken.None));
        Assert.Single(_fetcher.Fetches);

        _time.Advance(TimeSpan.FromMinutes(1));
        _fetcher.Serve("down.test", FakePolicyFetcher.Policy("enforce", 600, "mx.down.test"));
        Assert.Equal(MtaStsMode.Enforce, (await cache.GetAsync("down.test", CancellationToken.None))!.Mode);
        Assert.Equal(2, _fetcher.Fetches.Count);
        var unusable = Assert.Single(_logs.Events, e => e.Id == 246);
        Assert.Contains("connection refused", unusable.Message, StringComparison.Ordinal);
        Assert.Contains("delivering as if the domain had no policy", unusable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_PolicyDoesNotParse_NoPolicyAndTheReasonLogged()
    {
        Record("bad.test", "v=STSv1; id=1");
        _fetcher.Serve("bad.test", "version: STSv1\nmode: enforce\nmax_age: 86400\n");
        var cache = Create();

        Assert.Null(await cache.GetAsync("bad.test", CancellationToken.None));
        var unusable = Assert.Single(_logs.Events, e => e.Id == 246);
        Assert.Contains("the policy does not parse: the policy lists no mx pattern", unusable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_NewIdButFetchFails_TheCachedPolicyStillApplies()
    {
        Record("sts.test", "v=STSv1; id=1");
        _fetcher.Serve("sts.test", FakePolicyFetcher.Policy("enforce", 86400, "mx.sts.test"));
        var cache = Create();
        var cached = await cache.GetAsync("sts.test", CancellationToken.None);

        Record("sts.test", "v=STSv1; id=2");
        _fetcher.Fail("sts.test", "HTTP 500");

        Assert.Same(cached, await cache.GetAsync("sts.test", CancellationToken.None));
        Assert.Contains(_logs.Events, e => e.Id == 246 && e.Message.Contains("the cached policy (id 1) still applies", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetAsync_RecordRemovedOrDnsFails_TheCachedPolicyStillApplies()
    {
        Record("sts.test", "v=STSv1; id=1");
        _fetcher.Serve("sts.test", FakePolicyFetcher.Policy("enforce", 86400, "mx.sts.test"));
        var cache = Create();
        var cached = await cache.GetAsync("sts.test", CancellationToken.None);

        _txt.Remove("_mta-sts.sts.test");
        Assert.Same(cached, await cache.GetAsync("sts.test", CancellationToken.None));
        _txt["_mta-sts.sts.test"] = MtaStsTxt.Failed("timed out");
        Assert.Same(cached, await cache.GetAsync("sts.test", CancellationToken.None));
        Assert.Single(_fetcher.Fetches);
    }

    [Fact]
    public async Task GetAsync_MaxAgePassed_TheCachedPolicyExpires()
    {
        Record("sts.test", "v=STSv1; id=1");
        _fetcher.Serve("sts.test", FakePolicyFetcher.Policy("enforce", 3600, "mx.sts.test"));
        var cache = Create();
        Assert.NotNull(await cache.GetAsync("sts.test", CancellationToken.None));

        _time.Advance(TimeSpan.FromHours(1));
        _txt.Remove("_mta-sts.sts.test");

        Assert.Null(await cache.GetAsync("sts.test", CancellationToken.None));
    }

    [Fact]
    public async Task GetAsync_ExpiredWithTheSameId_FetchesAgain()
    {
        Record("sts.test", "v=STSv1; id=1");
        _fetcher.Serve("sts.test", FakePolicyFetcher.Policy("enforce", 60, "mx.sts.test"));
        var cache = Create();
        await cache.GetAsync("sts.test", CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(2));
        await cache.GetAsync("sts.test", CancellationToken.None);

        Assert.Equal(2, _fetcher.Fetches.Count);
    }

    [Fact]
    public async Task GetAsync_SameIdAfterADay_RefreshedAndOnFailureKept()
    {
        Record("sts.test", "v=STSv1; id=1");
        _fetcher.Serve("sts.test", FakePolicyFetcher.Policy("enforce", 604800, "mx.sts.test"));
        var cache = Create();
        var cached = await cache.GetAsync("sts.test", CancellationToken.None);

        _time.Advance(TimeSpan.FromDays(1));
        _fetcher.Fail("sts.test");

        Assert.Same(cached, await cache.GetAsync("sts.test", CancellationToken.None));
        Assert.Same(cached, await cache.GetAsync("sts.test", CancellationToken.None));
        Assert.Equal(2, _fetcher.Fetches.Count);
    }

    [Fact]
    public async Task GetAsync_InvalidRecord_NoPolicyAndTheReasonLogged()
    {
        Record("bad.test", "v=STSv1; id=not-valid");
        var cache = Create();

        Assert.Null(await cache.GetAsync("bad.test", CancellationToken.None));
        Assert.Empty(_fetcher.Fetches);
        Assert.Contains(_logs.Events, e => e.Id == 246 && e.Message.Contains("is not 1 to 32 letters and digits", StringComparison.Ordinal));
    }

    private void Record(string domain, params string[] records) => _txt["_mta-sts." + domain] = new MtaStsTxt(records, null);

    private MtaStsPolicyCache Create() =>
        new((name, _) => Task.FromResult(_txt.TryGetValue(name, out var txt) ? txt : new MtaStsTxt([], null)), _fetcher, _time, _logs.CreateLogger("MailSender"));
}
