using System.Diagnostics;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailSender.Diagnostics;
using MailSender.Detection;
using MailSender.Detection.Internal;
using MailSender.Internal;
using MailSender.Pooling.Internal;
using MimeKit;
using MimeKit.IO;

namespace MailSender.Smtp;

/// <summary>
/// Sends through one SMTP endpoint and identity with MailKit, over a pool of authenticated connections.
/// </summary>
/// <remarks>
/// A connection that failed with a reply (e.g. a refused recipient) is reset with RSET and reused; after a protocol
/// error, a timeout or a 421 it is discarded. A reused connection the server had closed is replaced once, transparently,
/// when the failure came before the end of DATA (so the message cannot have been accepted).
/// </remarks>
internal sealed class SmtpTransport : IVerifiableEmailTransport, ISizeAwareTransport, IProviderRateLimits, IAsyncDisposable
{
    private readonly SmtpTransportSettings _settings;
    private readonly ConnectionPool<SmtpConnection> _pool;
    private readonly CertificateValidator _certificates;
    private readonly TlsHistory _history;
    private readonly DetectedEndpointCache? _detection;
    private readonly TimeProvider _timeProvider;
    private readonly MailSenderTelemetry _telemetry;
    private readonly IDisposable _poolTracking;
    private readonly string _transportKind;

    // The server connections go to: the configured one, or the detected one once detection has run (null until then).
    private volatile SmtpTransportSettings? _endpoint;

    /// <exception cref="ArgumentException"><see cref="SmtpTransportSettings.DetectEndpoint"/> is set but no detection cache is given.</exception>
    public SmtpTransport(SmtpTransportSettings settings, TimeProvider timeProvider, TlsHistory? history = null, DetectedEndpointCache? detection = null, MailSenderTelemetry? telemetry = null)
    {
        if (settings.DetectEndpoint && detection is null)
        {
            throw new ArgumentException("A transport that detects its endpoint needs the detection cache.", nameof(detection));
        }

        _settings = settings;
        _timeProvider = timeProvider;
        _history = history ?? new TlsHistory();
        _telemetry = telemetry ?? MailSenderTelemetry.Shared;
        Name = settings.DisplayName;
        _transportKind = TelemetryNames.TransportKind(Name);

        // Load the CA file now, so a bad path fails at start-up rather than at the first send.
        _certificates = new CertificateValidator(settings.TrustedCaFile, settings.TrustedCertificateThumbprint);
        _detection = settings.DetectEndpoint ? detection : null;
        _endpoint = settings.DetectEndpoint ? null : settings;
        _pool = new ConnectionPool<SmtpConnection>(OpenAsync, settings.Pool, timeProvider);

        // settings.Port is an unused default while detection has not run: the pool is reported without a port until then.
        _poolTracking = _telemetry.Instruments.TrackPool(() => _endpoint is { } e ? (e.Host, e.Port) : (_settings.Host, null), () => _pool.Statistics);
    }

    public string Name { get; }

    internal PoolStatistics PoolStatistics => _pool.Statistics;

    internal SmtpTransportSettings Settings => _settings;

    string? IProviderRateLimits.ProviderId => _settings.Provider?.Id;

    IReadOnlyList<string> IProviderRateLimits.AppliedLimits => _settings.Provider?.AppliedLimits ?? [];

    int? IProviderRateLimits.MaxMessagesPerSecond => _settings.Provider?.MaxMessagesPerSecond;

    int? IProviderRateLimits.MaxMessagesPerMinute => _settings.Provider?.MaxMessagesPerMinute;

    public Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default) =>
        SendAsync(message, envelope, sizeBound: long.MaxValue, cancellationToken);

    public async Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, long sizeBound, CancellationToken cancellationToken)
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
            var client = lease.Connection.Client;
            if (_detection is not null)
            {
                MailSenderTelemetry.TagServer(lease.Connection.Settings.Host, lease.Connection.Settings.Port);
            }

            client.BeginMessage();
            lease.CountMessage();
            Activity? data = null;
            try
            {
                CheckCapabilities(client, lease.Connection.Settings, message, envelope, sizeBound);
                data = MailSenderTelemetry.StartSmtp(TelemetryNames.DataSpan, lease.Connection.Settings.Host, lease.Connection.Settings.Port);
                var response = await client.SendAsync(MessagePreparer.WireFormat, message, envelope.Sender, envelope.Recipients, cancellationToken).ConfigureAwait(false);
                _telemetry.MessageMeasured(_transportKind, client.DataBytes);
                var rejected = client.Rejected.Count == 0 ? [] : client.Rejected.ToArray();
                lease.Return(reusable: true);
                return new SendResult
                {
                    MessageId = message.MessageId ?? string.Empty,
                    AcceptedRecipients = Accepted(envelope, rejected),
                    RejectedRecipients = rejected,
                    ServerResponse = response,
                    Transport = Name,
                };
            }
            catch (EmailSendException)
            {
                // Checked before MAIL FROM: nothing was sent and the connection is unchanged.
                lease.Return(reusable: true);
                throw;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !client.EndOfDataWritten)
            {
                // Cancelled before the message was handed over: nothing was accepted, but the session state is unknown.
                lease.Return(reusable: false);
                throw;
            }
            catch (Exception ex) when (attempt == 0 && !lease.IsNew && IsConnectionLost(ex) && !client.EndOfDataWritten)
            {
                // The server closed this idle connection: the message cannot have been accepted, so send it on a fresh one.
                lease.Return(reusable: false);
                SmtpLog.StaleConnectionReplaced(_telemetry.Logger, lease.Connection.Settings.Host, lease.Connection.Settings.Port);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var error = SmtpErrorMapper.Map(ex, SmtpPhase.Envelope, lease.Connection.Settings, client, lease.Connection.Certificate);
                MailSenderTelemetry.Fail(data, error);
                lease.Return(await TryResetAsync(client, ex, error).ConfigureAwait(false));
                throw error;
            }
            finally
            {
                data?.Dispose();
            }
        }
    }

    /// <summary>Connects (detecting the endpoint if needed), authenticates and quits, on a connection of its own: a pooled one would prove nothing.</summary>
    public async Task VerifyAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.CloseAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _poolTracking.Dispose();
        return _pool.DisposeAsync();
    }

    private async Task<SmtpConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var settings = _settings;
        if (_detection is not null)
        {
            var endpoint = await _detection.GetAsync(_settings.ToDetectionRequest(), Name, cancellationToken).ConfigureAwait(false);
            settings = _settings with { Host = endpoint.Host, Port = endpoint.Port, Security = endpoint.Security, DetectEndpoint = false };
            _endpoint = settings;
        }

        return await SmtpConnection.OpenAsync(settings, _certificates, _history, _timeProvider, _telemetry, cancellationToken).ConfigureAwait(false);
    }

    private static string[] Accepted(MailEnvelope envelope, RejectedRecipient[] rejected)
    {
        if (rejected.Length == 0)
        {
            var all = new string[envelope.Recipients.Count];
            for (var i = 0; i < all.Length; i++)
            {
                all[i] = envelope.Recipients[i].Address;
            }

            return all;
        }

        var accepted = new List<string>(envelope.Recipients.Count);
        foreach (var recipient in envelope.Recipients)
        {
            if (Array.FindIndex(rejected, r => string.Equals(r.Address, recipient.Address, StringComparison.OrdinalIgnoreCase)) < 0)
            {
                accepted.Add(recipient.Address);
            }
        }

        return [.. accepted];
    }

    private async Task<ConnectionPool<SmtpConnection>.Lease> AcquireAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _pool.AcquireAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PoolExhaustedException ex)
        {
            var statistics = _pool.Statistics;

            // Connections are busy, so the endpoint is known (detected or configured).
            var server = _endpoint ?? _settings;
            SmtpLog.PoolExhausted(_telemetry.Logger, server.Host, server.Port, statistics.InUse, statistics.Waiting);
            throw new EmailSendException(EmailErrorKind.ServerBusy, $"Sending through {Name}: {ex.Message}", ex)
            {
                IsTransient = true,
                Transport = Name,
                Hint = "More sends are waiting than the pool serves in time: raise maxConnections or acquireTimeout, or send fewer messages at once.",
            };
        }
    }

    /// <summary>After a refused command the session survives: RSET makes it reusable. Anything else discards it.</summary>
    private static async Task<bool> TryResetAsync(RecordingSmtpClient client, Exception exception, EmailSendException error)
    {
        if (exception is not (SmtpCommandException or RecordingSmtpClient.NoRecipientsAcceptedException) || error.StatusCode == 421 || !client.IsConnected)
        {
            return false;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(client.Timeout));
            await client.ResetAsync(timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ProtocolException or SmtpCommandException or OperationCanceledException or ServiceNotConnectedException)
        {
            return false;
        }
    }

    /// <summary>Finds an address whose local part needs SMTPUTF8; loops, as this runs for every message.</summary>
    private static MailboxAddress? FindInternational(MailEnvelope envelope, MimeMessage message)
    {
        if (!AddressParser.IsAscii(envelope.Sender.LocalPart))
        {
            return envelope.Sender;
        }

        foreach (var recipient in envelope.Recipients)
        {
            if (!AddressParser.IsAscii(recipient.LocalPart))
            {
                return recipient;
            }
        }

        foreach (var list in (ReadOnlySpan<InternetAddressList>)[message.From, message.To, message.Cc, message.ReplyTo])
        {
            foreach (var mailbox in list.Mailboxes)
            {
                if (!AddressParser.IsAscii(mailbox.LocalPart))
                {
                    return mailbox;
                }
            }
        }

        return null;
    }

    private static bool IsConnectionLost(Exception exception) =>
        exception is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException ||
        (exception is SmtpCommandException { StatusCode: SmtpStatusCode.ServiceNotAvailable } && !exception.Message.Contains("rate", StringComparison.OrdinalIgnoreCase));

    private void CheckCapabilities(SmtpClient client, SmtpTransportSettings settings, MimeMessage message, MailEnvelope envelope, long sizeBound)
    {
        if (!client.Capabilities.HasFlag(SmtpCapabilities.UTF8))
        {
            var international = FindInternational(envelope, message);
            if (international is not null)
            {
                throw new EmailSendException(EmailErrorKind.UnsupportedByServer, $"The address '{international.Address}' has non-ASCII characters before '@', but {settings.Host}:{settings.Port} does not support SMTPUTF8.")
                {
                    IsTransient = false,
                    Transport = Name,
                    Hint = "Use a server that advertises SMTPUTF8, or an ASCII address for this recipient.",
                };
            }
        }

        // Serialise to measure only when the message might exceed the server's limit.
        if (client.Capabilities.HasFlag(SmtpCapabilities.Size) && client.MaxSize > 0 && sizeBound > client.MaxSize)
        {
            using var measure = new MeasuringStream();
            message.WriteTo(MessagePreparer.WireFormat, measure);
            var size = measure.Length;
            if (size > client.MaxSize)
            {
                throw new EmailSendException(EmailErrorKind.MessageTooLarge, $"The message is {size:N0} bytes, but {settings.Host}:{settings.Port} accepts at most {client.MaxSize:N0} bytes (SIZE).")
                {
                    IsTransient = false,
                    Transport = Name,
                    Hint = SmtpHints.ForReply(552, null, null),
                };
            }
        }
    }
}
