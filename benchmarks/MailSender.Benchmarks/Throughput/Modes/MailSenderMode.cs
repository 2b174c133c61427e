using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailSender.Benchmarks.Throughput.Modes;

/// <summary>
/// The library as an application uses it: <c>AddMailSender</c> with an <c>smtp://</c> URI, one shared
/// <see cref="IEmailSender"/>, N concurrent callers of <see cref="IEmailSender.SendAsync"/>.
/// </summary>
internal sealed class MailSenderMode : InProcessMode
{
    private const string PoolParameter = "maxConnections";

    // Extra transport URI parameters from --mailsender-params, e.g. "maxMessagesPerConnection=1000000".
    private readonly string? _extraParameters;

    // Null until the first run finds out whether this build of the library has the connection pool.
    private bool? _poolAvailable;

    public MailSenderMode(string? extraParameters = null, string name = "mailsender", string? pipelining = null)
    {
        var extra = string.Join('&', new[] { pipelining, string.IsNullOrWhiteSpace(extraParameters) ? null : extraParameters.Trim().TrimStart('&', '?') }.Where(p => p is not null));
        _extraParameters = extra.Length == 0 ? null : extra;
        Name = name;
    }

    public override string Name { get; }

    /// <summary>The library with <c>pipelining=off</c>: lock-step, as MailKit without its MAIL/RCPT pipelining.</summary>
    public static MailSenderMode Off(string? extraParameters) => new(extraParameters, "mailsender-off", "pipelining=off");

    /// <summary>The library with <c>pipelining=aggressive</c>: one flight per message, up to <paramref name="maxInFlight"/> outstanding.</summary>
    public static MailSenderMode Aggressive(string? extraParameters, int maxInFlight) =>
        new(extraParameters, "mailsender-aggressive", string.Create(CultureInfo.InvariantCulture, $"pipelining=aggressive&maxInFlight={maxInFlight}"));

    // Callers share the pool's connections (--callers), as an application's requests do.
    protected override int Workers(ThroughputContext context, int connections) => context.Callers ?? connections;

    public override IReadOnlyList<int> ConnectionCounts { get; } = [1, 4, 8];

    /// <summary>
    /// The transport URI. The connection pool's parameters live only here: until the pool lands, the library rejects
    /// unknown parameters and <see cref="OpenAsync"/> retries without them (one connection per message).
    /// </summary>
    internal static string BuildTransportUri(SmtpTarget target, int connections, bool withPool, string? extraParameters = null)
    {
        var uri = new StringBuilder().Append(CultureInfo.InvariantCulture, $"smtp://{target.Address}?security=");
        uri.Append(target.Tls switch
        {
            TlsMode.Implicit => "implicit",
            TlsMode.StartTls => "starttls",
            _ => "none",
        });
        if (target.CaFile is not null)
        {
            uri.Append("&caFile=").Append(Uri.EscapeDataString(target.CaFile));
        }

        if (target.Thumbprint is not null)
        {
            uri.Append("&thumbprint=").Append(target.Thumbprint);
        }

        if (withPool)
        {
            uri.Append(CultureInfo.InvariantCulture, $"&{PoolParameter}={connections}");
            if (extraParameters is not null)
            {
                uri.Append('&').Append(extraParameters);
            }
        }

        return uri.ToString();
    }

    protected override Task<ISendSession> OpenAsync(ThroughputContext context, int connections, CancellationToken cancellationToken)
    {
        if (_poolAvailable != false)
        {
            try
            {
                var pooled = Session.Create(context, BuildTransportUri(context.Target, connections, withPool: true, _extraParameters));
                _poolAvailable = true;
                context.Note($"{Name}: used the connection pool, e.g. {BuildTransportUri(context.Target, connections, withPool: true, _extraParameters)}{(context.Callers is { } callers ? $", {callers} callers" : string.Empty)}");
                return Task.FromResult<ISendSession>(pooled);
            }
            catch (Exception ex) when (RejectsPoolParameter(ex))
            {
                _poolAvailable = false;
            }
        }

        context.Note($"mailsender: the library rejected '{PoolParameter}' (no connection pool in this build), so each worker opened one connection per message: {BuildTransportUri(context.Target, connections, withPool: false)}");
        return Task.FromResult<ISendSession>(Session.Create(context, BuildTransportUri(context.Target, connections, withPool: false)));
    }

    // The URI is checked by the options validator at start-up (OptionsValidationException) and again by the transport factory.
    private static bool RejectsPoolParameter(Exception exception) =>
        exception is OptionsValidationException or EmailSendException { Kind: EmailErrorKind.Configuration }
        && exception.Message.Contains($"'{PoolParameter}'", StringComparison.Ordinal);

    private sealed class Session : ISendSession
    {
        private readonly ServiceProvider _provider;
        private readonly IEmailSender _sender;
        private readonly MessageFactory _messages;

        private Session(ServiceProvider provider, MessageFactory messages)
        {
            _provider = provider;
            _messages = messages;
            _sender = provider.GetRequiredService<IEmailSender>();
        }

        public static Session Create(ThroughputContext context, string transportUri)
        {
            var services = new ServiceCollection();
            services.AddMailSender(o => o.Transport = transportUri);
            var provider = services.BuildServiceProvider();
            try
            {
                // Resolving the sender parses the URI: an unknown parameter fails here, not at the first send.
                return new Session(provider, context.MessageFactory);
            }
            catch
            {
                provider.Dispose();
                throw;
            }
        }

        public Task SendAsync(int worker, CancellationToken cancellationToken) => _sender.SendAsync(_messages.CreateMimeMessage(), cancellationToken);

        public ValueTask DisposeAsync() => _provider.DisposeAsync();
    }
}
