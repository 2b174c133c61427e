using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Mail;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using SmtpServerHost = SmtpServer.SmtpServer;
using SmtpServiceProvider = SmtpServer.ComponentModel.ServiceProvider;

namespace MailSender.TestSupport;

/// <summary>
/// A real SMTP server (the SmtpServer NuGet package) in this process, on 127.0.0.1 and a free port, for tests that
/// need a well-behaved peer: TLS, AUTH, recipient filtering and SIZE. Disposing it stops it.
/// </summary>
public sealed class InProcessSmtpServer : IAsyncDisposable
{
    /// <summary>The reply to a refused recipient, as Postfix words it.</summary>
    public static readonly SmtpResponse NoSuchUser = new(SmtpReplyCode.MailboxUnavailable, "5.1.1 <recipient>: Recipient address rejected: no such user");

    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<StoredMessage> _messages = new();
    private readonly ConcurrentQueue<string> _authentications = new();
    private Task _running = Task.CompletedTask;

    private InProcessSmtpServer(InProcessSmtpServerOptions options)
    {
        Options = options;
    }

    public InProcessSmtpServerOptions Options { get; }

    public int Port { get; private set; }

    /// <summary>Gets the messages stored so far, in order.</summary>
    public IReadOnlyList<StoredMessage> Messages => _messages.ToArray();

    /// <summary>Gets "user:yes" or "user:no" for every AUTH attempt, in order (the password is not kept).</summary>
    public IReadOnlyList<string> Authentications => _authentications.ToArray();

    public static async Task<InProcessSmtpServer> StartAsync(InProcessSmtpServerOptions? options = null)
    {
        var server = new InProcessSmtpServer(options ?? new InProcessSmtpServerOptions());
        await server.StartCoreAsync().ConfigureAwait(false);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task StartCoreAsync()
    {
        var options = Options;
        var certificate = options.Security == InProcessSecurity.None ? null : options.Certificate ?? TestCertificates.Server;
        var builder = new SmtpServerOptionsBuilder()
            .ServerName("inprocess.test")
            .Endpoint(endpoint =>
            {
                // Port 0: the OS picks a free port, reported by EndpointStarted, so parallel tests never collide.
                endpoint.Endpoint(new IPEndPoint(options.Address, options.Port))
                    .IsSecure(options.Security == InProcessSecurity.Implicit)
                    .AuthenticationRequired(options.RequireAuthentication)
                    .AllowUnsecureAuthentication(false)
                    .SessionTimeout(TimeSpan.FromSeconds(10));
                if (certificate is not null)
                {
                    endpoint.Certificate(certificate).SupportedSslProtocols(options.SslProtocols);
                }
            });
        if (options.MaxMessageSize is { } size)
        {
            builder.MaxMessageSize(size, MaxMessageSizeHandling.Ignore);
        }

        var listenerFactory = new EndpointListenerFactory();
        var started = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        listenerFactory.EndpointStarted += (_, e) => started.TrySetResult(((IPEndPoint)e.LocalEndPoint).Port);

        var services = new SmtpServiceProvider();
        services.Add(listenerFactory);
        services.Add(new Store(this));
        services.Add(new RecipientFilter(options.RejectedRecipients));
        if (options.UserName is not null)
        {
            services.Add(new Authenticator(this));
        }

        var server = new SmtpServerHost(builder.Build(), services);
        _running = server.StartAsync(_stop.Token);
        var first = await Task.WhenAny(started.Task, _running, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        if (first != started.Task)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            throw new InvalidOperationException("The in-process SMTP server did not start.", _running.Exception);
        }

        Port = await started.Task.ConfigureAwait(false);
    }

    private static string Address(IMailbox mailbox) => mailbox.Host is { Length: > 0 } ? $"{mailbox.User}@{mailbox.Host}" : mailbox.User;

    private sealed class Store(InProcessSmtpServer owner) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            owner._messages.Enqueue(new StoredMessage(Address(transaction.From), transaction.To.Select(Address).ToArray(), buffer.ToArray(), context.Pipe.IsSecure));
            return Task.FromResult(new SmtpResponse(SmtpReplyCode.Ok, "2.0.0 Ok: queued as INPROC" + owner._messages.Count));
        }
    }

    private sealed class RecipientFilter(IReadOnlyCollection<string> rejected) : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
        {
            if (rejected.Contains(Address(to), StringComparer.OrdinalIgnoreCase))
            {
                // Returning false would give a bare "550 mailbox unavailable"; throwing picks the reply, with its enhanced code.
                throw new SmtpResponseException(NoSuchUser);
            }

            return Task.FromResult(true);
        }
    }

    private sealed class Authenticator(InProcessSmtpServer owner) : IUserAuthenticator
    {
        public Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken)
        {
            var ok = string.Equals(user, owner.Options.UserName, StringComparison.Ordinal) && string.Equals(password, owner.Options.Password, StringComparison.Ordinal);
            owner._authentications.Enqueue(user + (ok ? ":yes" : ":no"));
            return Task.FromResult(ok);
        }
    }
}
