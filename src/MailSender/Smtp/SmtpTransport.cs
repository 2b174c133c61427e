using MailSender.Diagnostics;
using MailSender.Smtp.Detection;
using MailSender.Smtp.Pooling;
using MailSender.Smtp.Protocol;
using MimeKit;

namespace MailSender.Smtp;

/// <summary>
/// Sends through one SMTP endpoint and identity over a pool of authenticated <see cref="SmtpSession"/>s.
/// </summary>
/// <remarks>
/// A session that failed with a reply (e.g. a refused recipient) is reset with RSET and reused; after a protocol
/// error, a timeout or a 421 it is discarded. A reused connection the server had closed is replaced once, transparently,
/// when the failure came before the end of the message (so it cannot have been accepted).
/// </remarks>
internal sealed class SmtpTransport : IVerifiableEmailTransport, IAsyncDisposable
{
    private readonly SmtpTransportSettings _settings;
    private readonly SmtpConnector _connector;
    private readonly CertificateValidator _trust;
    private readonly TlsHistory _history;
    private readonly DetectedEndpointCache? _detection;
    private readonly MailSenderTelemetry _telemetry;
    private readonly ConnectionPool<SmtpSession> _pool;
    private readonly IDisposable _poolTracking;

    // The endpoint connections go to: the configured one, or the detected one once detection has run (null until then).
    private volatile SmtpEndpoint? _endpoint;

    /// <exception cref="ArgumentException"><see cref="SmtpTransportSettings.DetectEndpoint"/> is set but no detection cache is given.</exception>
    public SmtpTransport(SmtpTransportSettings settings, SmtpConnector connector, CertificateValidator trust, TlsHistory history, DetectedEndpointCache? detection, TimeProvider timeProvider, MailSenderTelemetry telemetry)
    {
        if (settings.DetectEndpoint && detection is null)
        {
            throw new ArgumentException("A transport that detects its endpoint needs the detection cache.", nameof(detection));
        }

        _settings = settings;
        _connector = connector;
        _trust = trust;
        _history = history;
        _telemetry = telemetry;
        _detection = settings.DetectEndpoint ? detection : null;
        _endpoint = settings.DetectEndpoint ? null : settings.Endpoint;
        Name = settings.DisplayName;
        _pool = new ConnectionPool<SmtpSession>(OpenAsync, settings.Pool, timeProvider);

        // The port is unknown while detection has not run: the pool is reported without one until then.
        _poolTracking = telemetry.Instruments.TrackPool(() => _endpoint is { } e ? (e.Host, e.Port) : (_settings.Endpoint.Host, null), ReadPoolLoad);
    }

    public string Name { get; }

    private PoolLoad ReadPoolLoad()
    {
        var statistics = _pool.Statistics;
        return new PoolLoad(statistics.InUse, statistics.Idle, statistics.Waiting);
    }

    internal PoolStatistics PoolStatistics => _pool.Statistics;

    internal SmtpTransportSettings Settings => _settings;

    public async Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(envelope);
        if (_endpoint is { } known)
        {
            // Before acquiring, so a send that cannot connect still names its server.
            MailSenderTelemetry.TagServer(known.Host, known.Port);
        }

        for (var attempt = 0; ; attempt++)
        {
            var lease = await AcquireAsync(cancellationToken).ConfigureAwait(false);
            var session = lease.Connection;
            if (_detection is not null)
            {
                MailSenderTelemetry.TagServer(session.Endpoint.Host, session.Endpoint.Port);
            }

            lease.CountMessage();
            try
            {
                var result = await session.SendAsync(message, envelope, Name, cancellationToken).ConfigureAwait(false);
                lease.Return(reusable: true);
                return result;
            }
            catch (SmtpSessionLostException) when (attempt == 0 && !lease.IsNew)
            {
                // The server closed this idle connection: the message cannot have been accepted, so send it on a fresh one.
                lease.Return(reusable: false);
                Log.StaleConnectionReplaced(_telemetry.Logger, session.Endpoint.Host, session.Endpoint.Port);
            }
            catch (SmtpSessionLostException lost)
            {
                lease.Return(reusable: false);
                throw lost.Error;
            }
            catch (Exception ex) when (ex is EmailSendException or OperationCanceledException)
            {
                lease.Return(session.IsReusable);
                throw;
            }
            catch
            {
                lease.Return(reusable: false);
                throw;
            }
        }
    }

    /// <summary>Connects (detecting the endpoint if needed), authenticates and quits, on a connection of its own: a pooled one would prove nothing.</summary>
    public async Task VerifyAsync(CancellationToken cancellationToken = default)
    {
        var session = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await session.CloseAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _poolTracking.Dispose();
        return _pool.DisposeAsync();
    }

    private async Task<SmtpSession> OpenAsync(CancellationToken cancellationToken)
    {
        var endpoint = _settings.Endpoint;
        if (_detection is not null)
        {
            var detected = await _detection.GetAsync(_settings.ToDetectionRequest(), Name, cancellationToken).ConfigureAwait(false);
            endpoint = endpoint with { Host = detected.Host, Port = detected.Port, Security = detected.Security };
            _endpoint = endpoint;
        }

        return await _connector.ConnectAsync(endpoint, _trust, _history, authenticate: true, info: null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ConnectionPool<SmtpSession>.Lease> AcquireAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _pool.AcquireAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PoolExhaustedException ex)
        {
            var statistics = _pool.Statistics;

            // Connections are busy, so the endpoint is known (detected or configured).
            var server = _endpoint ?? _settings.Endpoint;
            Log.PoolExhausted(_telemetry.Logger, server.Host, server.Port, statistics.InUse, statistics.Waiting);
            throw new EmailSendException(EmailErrorKind.ServerBusy, $"Sending through {Name}: {ex.Message}", ex)
            {
                IsTransient = true,
                Transport = Name,
                Hint = "More sends are waiting than the pool serves in time: raise maxConnections or acquireTimeout, or send fewer messages at once.",
            };
        }
    }
}
