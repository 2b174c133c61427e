using MailSender.Smtp.Pooling;
using MailSender.Smtp;
using MailSender.Smtp.Protocol;
using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using MailSender.Sending;

namespace MailSender.Tests.Smtp.Pooling;

/// <summary>
/// A sender built as an application builds it (<c>AddMailSender</c> with a transport URI, optionally a <see cref="TimeProvider"/>
/// registered first), pointed at a server on 127.0.0.1. Disposing it disposes the service provider, and with it the pool.
/// </summary>
internal sealed class SmtpPoolTestHost : IAsyncDisposable
{
    private readonly MailSenderHost _host;

    private SmtpPoolTestHost(MailSenderHost host)
    {
        _host = host;
    }

    public ServiceProvider Provider => _host.Provider;

    public IEmailSender Sender => _host.Sender;

    /// <summary>
    /// Gets the pool's counters, read only to wait for a state the test cannot see from outside (e.g. "one send is queued");
    /// every assertion goes through the server.
    /// </summary>
    public PoolStatistics Statistics => ((SmtpTransport)((DefaultEmailSender)Sender).Transport).PoolStatistics;

    /// <summary>Builds a sender for <c>smtp://127.0.0.1:port?security=none&amp;</c><paramref name="pool"/>.</summary>
    public static SmtpPoolTestHost Create(int port, string pool, TimeProvider? timeProvider = null) =>
        new(MailSenderHost.Build(
            o =>
            {
                o.Transport = TestTransports.Smtp(port, "security=none&" + pool);

                // Pool tests check what one attempt does with a connection; tests/Resilience covers retries.
                o.Resilience.Enabled = false;
            },
            timeProvider));

    /// <summary>The subjects of the messages the server received, in order.</summary>
    public static string[] Subjects(IEnumerable<ScriptedTransaction> transactions) => transactions.Select(t => t.Parse().Subject ?? string.Empty).ToArray();

    /// <summary>The subjects of the messages the server received on connection <paramref name="connection"/>, in order.</summary>
    public static string[] SubjectsOn(ScriptedSmtpServer server, int connection) => Subjects(server.Transactions.Where(t => t.Connection == connection));

    public Task<SendResult> SendAsync(string subject, CancellationToken cancellationToken = default) => Sender.SendAsync(TestMessages.WithSubject(subject), cancellationToken);

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
