using MailSender.Diagnostics;
using Microsoft.Extensions.Logging;

namespace MailSender.Smtp.Direct.MtaSts;

/// <summary>What the <c>_mta-sts.DOMAIN</c> TXT lookup found: the records' texts, or why the lookup failed.</summary>
internal sealed record MtaStsTxt(IReadOnlyList<string> Records, string? Problem)
{
    public static MtaStsTxt Failed(string problem) => new([], problem);
}

/// <summary>
/// Finds the MTA-STS policy that applies to a domain, as RFC 8461 (3.3, 5.1) says: the TXT record's id tells whether the cached
/// policy is current; a new id (or none cached) fetches the policy; a policy that cannot be fetched or does not parse counts as
/// no policy, except that a cached, unexpired one still applies (so removing the record or breaking the web server is no downgrade);
/// after a failed fetch the same id is not fetched again for five minutes. One cache per transport, in memory.
/// </summary>
internal sealed class MtaStsPolicyCache
{
    /// <summary>How long a failed fetch holds off the next one for the same id (RFC 8461, 3.3: at least five minutes).</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(5);

    /// <summary>How often a cached policy is fetched again although its id did not change, so its max_age keeps being extended.</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromDays(1);

    /// <summary>The most domains kept; past it, expired entries go first, then the ones that expire soonest.</summary>
    public const int Capacity = 10_000;

    private readonly Func<string, CancellationToken, Task<MtaStsTxt>> _lookupTxt;
    private readonly IMtaStsPolicyFetcher _fetcher;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <param name="lookupTxt">Looks up the TXT records of a name (called with <c>_mta-sts.DOMAIN</c>).</param>
    /// <param name="fetcher">Fetches policy bodies.</param>
    /// <param name="time">The clock of max_age and the retry delay.</param>
    /// <param name="logger">Where unusable policies are reported.</param>
    public MtaStsPolicyCache(Func<string, CancellationToken, Task<MtaStsTxt>> lookupTxt, IMtaStsPolicyFetcher fetcher, TimeProvider time, ILogger logger)
    {
        _lookupTxt = lookupTxt;
        _fetcher = fetcher;
        _time = time;
        _logger = logger;
    }

    /// <summary>Gets how many domains the cache holds.</summary>
    public int Count
    {
        get
        {
            lock (_entries)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Gets the policy in force for <paramref name="domain"/> (lower-case ASCII), or <see langword="null"/> when none applies (no policy, or mode none).</summary>
    public async Task<MtaStsPolicy?> GetAsync(string domain, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var cached = Find(domain, now);
        var txt = await _lookupTxt("_mta-sts." + domain, cancellationToken).ConfigureAwait(false);
        if (txt.Problem is not null)
        {
            return Fallback(domain, cached, null, "the TXT lookup of _mta-sts." + domain + " failed: " + txt.Problem);
        }

        var id = MtaStsRecord.FindId(txt.Records, out var recordProblem);
        if (id is null)
        {
            // No record: the domain has no policy, unless one is cached (an attacker who removes the record gains nothing).
            return recordProblem is null && cached?.Policy is null ? null : Fallback(domain, cached, null, recordProblem ?? "the _mta-sts TXT record is gone");
        }

        if (cached is { Policy: { } current } && cached.Id == id && now - cached.FetchedAt < Refresh)
        {
            return Effective(current);
        }

        if (cached?.FailedId == id && now - cached.FailedAt < RetryAfterFailure)
        {
            return Effective(cached.Policy);
        }

        var fetch = await _fetcher.FetchAsync(domain, cancellationToken).ConfigureAwait(false);
        var problem = fetch.Problem;
        MtaStsPolicy? policy = null;
        if (fetch.Body is not null)
        {
            policy = MtaStsPolicy.Parse(fetch.Body, out var parseProblem);
            problem = parseProblem is null ? null : "the policy does not parse: " + parseProblem;
        }

        now = _time.GetUtcNow();
        if (policy is null)
        {
            lock (_entries)
            {
                var entry = Find(domain, now) ?? new Entry();
                entry.FailedId = id;
                entry.FailedAt = now;
                Store(domain, entry, now);
                cached = entry.Policy is null ? null : entry;
            }

            return Fallback(domain, cached, id, problem ?? "no policy");
        }

        lock (_entries)
        {
            Store(domain, new Entry { Id = id, Policy = policy, FetchedAt = now, Expires = now + policy.MaxAge }, now);
        }

        Log.MtaStsPolicyFetched(_logger, domain, id, policy.Mode.ToString().ToLowerInvariant(), string.Join(", ", policy.MxPatterns), (long)policy.MaxAge.TotalSeconds);
        return Effective(policy);
    }

    private static MtaStsPolicy? Effective(MtaStsPolicy? policy) => policy is { Mode: not MtaStsMode.None } ? policy : null;

    private MtaStsPolicy? Fallback(string domain, Entry? cached, string? id, string problem)
    {
        if (cached?.Policy is { } policy)
        {
            Log.MtaStsPolicyUnusable(_logger, domain, id ?? "-", problem, "the cached policy (id " + cached.Id + ") still applies");
            return Effective(policy);
        }

        Log.MtaStsPolicyUnusable(_logger, domain, id ?? "-", problem, "delivering as if the domain had no policy");
        return null;
    }

    /// <summary>Gets the domain's entry, dropping its policy if expired; <see langword="null"/> when there is nothing for it.</summary>
    private Entry? Find(string domain, DateTimeOffset now)
    {
        lock (_entries)
        {
            if (!_entries.TryGetValue(domain, out var entry))
            {
                return null;
            }

            if (entry.Policy is not null && entry.Expires <= now)
            {
                entry.Policy = null;
                entry.Id = null;
            }

            return entry;
        }
    }

    private void Store(string domain, Entry entry, DateTimeOffset now)
    {
        _entries[domain] = entry;
        if (_entries.Count <= Capacity)
        {
            return;
        }

        foreach (var stale in _entries.Where(e => e.Value.Policy is null || e.Value.Expires <= now).Select(e => e.Key).ToArray())
        {
            _entries.Remove(stale);
        }

        foreach (var soonest in _entries.OrderBy(e => e.Value.Expires).Take(_entries.Count - Capacity).Select(e => e.Key).ToArray())
        {
            _entries.Remove(soonest);
        }
    }

    private sealed class Entry
    {
        public string? Id { get; set; }

        public MtaStsPolicy? Policy { get; set; }

        public DateTimeOffset FetchedAt { get; set; }

        public DateTimeOffset Expires { get; set; }

        /// <summary>Gets or sets the id of the last failed fetch, and when it failed.</summary>
        public string? FailedId { get; set; }

        public DateTimeOffset FailedAt { get; set; }
    }
}
