using System.Collections.Concurrent;
using MailSender.Smtp.Direct.MtaSts;

namespace MailSender.Tests.Smtp.Direct.MtaSts;

/// <summary>An <see cref="IMtaStsPolicyFetcher"/> answering from a table; a domain without an entry fails as a server would that is down.</summary>
internal sealed class FakePolicyFetcher : IMtaStsPolicyFetcher
{
    private readonly ConcurrentDictionary<string, MtaStsFetch> _answers = new(StringComparer.Ordinal);

    /// <summary>Gets the domains fetched, in order.</summary>
    public ConcurrentQueue<string> Fetches { get; } = new();

    public FakePolicyFetcher Serve(string domain, string body)
    {
        _answers[domain] = new MtaStsFetch(body, null);
        return this;
    }

    public FakePolicyFetcher Fail(string domain, string problem = "connection refused")
    {
        _answers[domain] = MtaStsFetch.Failed(problem);
        return this;
    }

    public Task<MtaStsFetch> FetchAsync(string domain, CancellationToken cancellationToken)
    {
        Fetches.Enqueue(domain);
        return Task.FromResult(_answers.TryGetValue(domain, out var answer) ? answer : MtaStsFetch.Failed("connection refused"));
    }

    public static string Policy(string mode, int maxAge, params string[] mx) =>
        $"version: STSv1\r\nmode: {mode}\r\n" + string.Concat(mx.Select(m => $"mx: {m}\r\n")) + $"max_age: {maxAge}\r\n";
}
