using System.Collections.Concurrent;

namespace MailSender.Smtp.Protocol;

/// <summary>A thread-safe set of SMTP endpoints (host:port, host compared without case), remembered for the life of the process.</summary>
internal sealed class EndpointSet
{
    private readonly ConcurrentDictionary<string, bool> _endpoints = new(StringComparer.OrdinalIgnoreCase);

    public void Add(string host, int port) => _endpoints.TryAdd(Key(host, port), true);

    public bool Contains(string host, int port) => !_endpoints.IsEmpty && _endpoints.ContainsKey(Key(host, port));

    private static string Key(string host, int port) => FormattableString.Invariant($"{host}:{port}");
}
