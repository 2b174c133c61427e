using System.Collections.Concurrent;
using MailSender.TestSupport;

namespace MailSender.Interop.Tests.Support;

/// <summary>
/// One sender per transport URI, shared by the tests of a class (a class fixture) and disposed after them (QUIT), so a
/// class's theory rows reuse pooled connections instead of connecting for every message.
/// </summary>
public sealed class SenderCache : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Lazy<MailSenderHost>> _hosts = new(StringComparer.Ordinal);

    /// <summary>Returns the sender for <paramref name="transport"/> (built the way an application builds it; retries off).</summary>
    public IEmailSender For(string transport) =>
        _hosts.GetOrAdd(transport, t => new Lazy<MailSenderHost>(() => MailSenderHost.Create(t))).Value.Sender;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts.Values.Where(h => h.IsValueCreated))
        {
            await host.Value.DisposeAsync();
        }
    }
}
