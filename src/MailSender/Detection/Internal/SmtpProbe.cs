using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MailSender.Smtp;

namespace MailSender.Detection.Internal;

/// <summary>
/// Probes one endpoint: TCP connect, TLS (implicit, or STARTTLS when offered) with the library's certificate validation,
/// greeting, EHLO, optionally AUTH, then QUIT. Never throws for a failure of the endpoint: it reports it.
/// </summary>
internal sealed class SmtpProbe
{
    private readonly SmtpDetectionRequest _request;
    private readonly CertificateValidator _certificates;
    private readonly TlsHistory _history;
    private readonly TimeProvider _timeProvider;

    public SmtpProbe(SmtpDetectionRequest request, CertificateValidator certificates, TlsHistory history, TimeProvider timeProvider)
    {
        _request = request;
        _certificates = certificates;
        _history = history;
        _timeProvider = timeProvider;
    }

    /// <summary>Runs the probe until it ends, <paramref name="deadline"/> passes (timed out) or <paramref name="stop"/> is cancelled (not needed any more).</summary>
    public async Task<SmtpProbeAttempt> RunAsync(ProbeCandidate candidate, CancellationToken deadline, CancellationToken stop)
    {
        var started = _timeProvider.GetTimestamp();
        var state = new State(candidate);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline, stop);
        var token = linked.Token;
        var settings = SettingsFor(candidate);
        var certificate = new CertificateCheck();
        var greeting = new GreetingRecorder();
        using var client = new SmtpClient(greeting);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };

        // Closing the socket unblocks every pending read, even one that would not watch the token (e.g. a TLS port waiting for a ClientHello).
        using var closeOnCancel = token.Register(static s => ((Socket)s!).Dispose(), socket);
        var phase = SmtpPhase.Connect;
        try
        {
            client.Timeout = (int)Math.Min(int.MaxValue, _request.Options.ProbeTimeout.TotalMilliseconds);
            client.ServerCertificateValidationCallback = Recording(_certificates.CreateCallback(certificate), state);
            if (_request.EhloName is not null)
            {
                client.LocalDomain = _request.EhloName;
            }

            await socket.ConnectAsync(candidate.Host, candidate.Port, token).ConfigureAwait(false);
            var mode = candidate.Mode == SmtpSecurity.Implicit ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTlsWhenAvailable;
            await client.ConnectAsync(socket, candidate.Host, candidate.Port, mode, token).ConfigureAwait(false);
            state.Greeting = greeting.Greeting;
            Record(client, candidate, state);
            Check(candidate, client, state);
            if (state.Outcome is null && _request.UserName is not null)
            {
                phase = SmtpPhase.Authenticate;
                await client.AuthenticateAsync(new NetworkCredential(_request.UserName, _request.Password ?? string.Empty), token).ConfigureAwait(false);
                state.Authenticated = true;
            }

            state.Outcome ??= SmtpProbeOutcome.Usable;
            await QuitAsync(client).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            state.Greeting ??= greeting.Greeting;
            if (stop.IsCancellationRequested && !deadline.IsCancellationRequested)
            {
                state.Outcome = SmtpProbeOutcome.Cancelled;
                state.Error = "Stopped: a better endpoint was already found.";
            }
            else if (deadline.IsCancellationRequested)
            {
                var timeout = SmtpErrorMapper.TimeoutError(ex, phase, settings, $"{candidate.Host}:{candidate.Port}", settings.DisplayName);
                state.Fail(SmtpProbeOutcome.TimedOut, timeout);
                state.Hint = TimeoutHint(candidate, phase, state) ?? timeout.Hint;
            }
            else
            {
                // Only a reply of the server (e.g. 535) says the credentials were refused; a timeout or a cancellation says nothing.
                state.Authenticated = phase == SmtpPhase.Authenticate && ex is AuthenticationException or SmtpCommandException ? false : null;
                var error = SmtpErrorMapper.Map(ex, phase, settings, client: null, certificate);
                state.Fail(error.Kind == EmailErrorKind.Timeout ? SmtpProbeOutcome.TimedOut : SmtpProbeOutcome.Failed, error);
                if (error.Kind == EmailErrorKind.Timeout)
                {
                    // MailKit's own read timeout can fire just before the detection deadline (a loaded machine): same advice.
                    state.Hint = TimeoutHint(candidate, phase, state) ?? state.Hint;
                }
            }

            state.CertificateError ??= certificate.Problem;
        }
        finally
        {
            socket.Dispose();
        }

        return state.ToAttempt(_timeProvider.GetElapsedTime(started));
    }

    private static string? TimeoutHint(ProbeCandidate candidate, SmtpPhase phase, State state)
    {
        if (phase != SmtpPhase.Connect || candidate.Port == 25)
        {
            return null;
        }

        // Connected but no greeting: the port likely expects TLS first (or plain text first), or the server is overloaded.
        return state.Greeting is null && candidate.Mode == SmtpSecurity.StartTls
            ? "The server accepted the connection but sent no greeting: it may expect TLS from the first byte (implicit TLS, smtps://), or it is overloaded."
            : null;
    }

    private static RemoteCertificateValidationCallback Recording(RemoteCertificateValidationCallback validate, State state) =>
        (sender, certificate, chain, errors) =>
        {
            if (certificate is not null)
            {
                state.CertificateSubject = certificate.Subject;
                if (certificate is X509Certificate2 typed)
                {
                    state.CertificateNotAfter = new DateTimeOffset(typed.NotAfter.ToUniversalTime(), TimeSpan.Zero);
                }
            }

            return validate(sender, certificate, chain, errors);
        };

    private static async Task QuitAsync(SmtpClient client)
    {
        try
        {
            using var timeout = new CancellationTokenSource(DetectionDefaults.QuitTimeout);
            await client.DisconnectAsync(quit: true, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ProtocolException or SmtpCommandException or OperationCanceledException or ObjectDisposedException)
        {
            // The verdict is in; a server that drops QUIT changes nothing.
        }
    }

    private static void Record(SmtpClient client, ProbeCandidate candidate, State state)
    {
        if (client.IsSecure)
        {
            state.TlsProtocol = client.SslProtocol.ToString();
            state.CipherSuite = client.SslCipherSuite?.ToString();
        }

        // After STARTTLS, MailKit's capabilities are those of the second EHLO, which no longer lists STARTTLS.
        var offeredStartTls = candidate.Mode == SmtpSecurity.StartTls && client.IsSecure;
        state.Capabilities = DescribeCapabilities(client.Capabilities, offeredStartTls);
        state.Mechanisms = [.. client.AuthenticationMechanisms];
        state.MaxSize = client.Capabilities.HasFlag(SmtpCapabilities.Size) && client.MaxSize > 0 ? client.MaxSize : null;
    }

    internal static string[] DescribeCapabilities(SmtpCapabilities capabilities, bool offeredStartTls)
    {
        var names = new List<string>();
        if (offeredStartTls || capabilities.HasFlag(SmtpCapabilities.StartTLS))
        {
            names.Add("STARTTLS");
        }

        foreach (var (flag, name) in (ReadOnlySpan<(SmtpCapabilities, string)>)
        [
            (SmtpCapabilities.Authentication, "AUTH"), (SmtpCapabilities.Size, "SIZE"), (SmtpCapabilities.Pipelining, "PIPELINING"),
            (SmtpCapabilities.UTF8, "SMTPUTF8"), (SmtpCapabilities.EightBitMime, "8BITMIME"), (SmtpCapabilities.Chunking, "CHUNKING"),
            (SmtpCapabilities.BinaryMime, "BINARYMIME"), (SmtpCapabilities.EnhancedStatusCodes, "ENHANCEDSTATUSCODES"),
            (SmtpCapabilities.Dsn, "DSN"), (SmtpCapabilities.RequireTLS, "REQUIRETLS"),
        ])
        {
            if (capabilities.HasFlag(flag))
            {
                names.Add(name);
            }
        }

        return [.. names];
    }

    /// <summary>Decides whether an endpoint that answered may be used; sets a NotUsable or Failed outcome when not.</summary>
    private void Check(ProbeCandidate candidate, SmtpClient client, State state)
    {
        var endpoint = $"{candidate.Host}:{candidate.Port}";
        if (client.IsSecure)
        {
            _history.MarkSecure(candidate.Host, candidate.Port);
        }
        else
        {
            state.Security = SmtpSecurity.None;
            if (_history.WasSecure(candidate.Host, candidate.Port))
            {
                state.Outcome = SmtpProbeOutcome.Failed;
                state.ErrorKind = EmailErrorKind.TlsFailed;
                state.Error = $"{endpoint} did not offer STARTTLS, although it did before: possible STARTTLS stripping.";
                state.Hint = SmtpHints.StartTlsStripped;
                return;
            }

            var credentials = _request.UserName is not null;
            if (!_request.AllowPlaintext || (credentials && !_request.AllowInsecureAuthentication))
            {
                state.Outcome = SmtpProbeOutcome.NotUsable;
                state.ErrorKind = EmailErrorKind.TlsFailed;
                state.Error = credentials
                    ? $"{endpoint} offers no STARTTLS: the credentials of user '{_request.UserName}' would travel unencrypted."
                    : $"{endpoint} offers no STARTTLS, and plain text is not allowed.";
                state.Hint = SmtpHints.StartTlsNotOffered;
                return;
            }
        }

        if (_request.UserName is not null && (!client.Capabilities.HasFlag(SmtpCapabilities.Authentication) || client.AuthenticationMechanisms.Count == 0))
        {
            state.Outcome = SmtpProbeOutcome.NotUsable;
            state.ErrorKind = EmailErrorKind.AuthenticationFailed;
            state.Error = $"{endpoint} does not offer authentication (AUTH), but a user name is configured.";
            state.Hint = SmtpHints.AuthNotOffered;
        }
    }

    private SmtpTransportSettings SettingsFor(ProbeCandidate candidate) => new()
    {
        Host = candidate.Host,
        Port = candidate.Port,
        Security = candidate.Mode,
        UserName = _request.UserName,
        ConnectTimeout = _request.Options.ProbeTimeout,
        CommandTimeout = _request.Options.ProbeTimeout,
    };

    /// <summary>What the probe found so far; filled as it goes, so a failure still reports the greeting and TLS details.</summary>
    private sealed class State(ProbeCandidate candidate)
    {
        public SmtpSecurity Security { get; set; } = candidate.Mode;

        public SmtpProbeOutcome? Outcome { get; set; }

        public EmailErrorKind? ErrorKind { get; set; }

        public string? Error { get; set; }

        public string? Hint { get; set; }

        public int? StatusCode { get; set; }

        public string? EnhancedStatusCode { get; set; }

        public string? Greeting { get; set; }

        public string? TlsProtocol { get; set; }

        public string? CipherSuite { get; set; }

        public string? CertificateSubject { get; set; }

        public DateTimeOffset? CertificateNotAfter { get; set; }

        public string? CertificateError { get; set; }

        public string[] Capabilities { get; set; } = [];

        public string[] Mechanisms { get; set; } = [];

        public long? MaxSize { get; set; }

        public bool? Authenticated { get; set; }

        public void Fail(SmtpProbeOutcome outcome, EmailSendException error)
        {
            Outcome = outcome;
            ErrorKind = error.Kind;
            Error = error.Message;
            Hint = error.Hint;
            StatusCode = error.StatusCode;
            EnhancedStatusCode = error.EnhancedStatusCode;
        }

        public SmtpProbeAttempt ToAttempt(TimeSpan elapsed) => new()
        {
            Host = candidate.Host,
            Port = candidate.Port,
            Security = Security,
            Source = candidate.Source,
            Outcome = Outcome ?? SmtpProbeOutcome.Failed,
            Elapsed = elapsed,
            ErrorKind = ErrorKind,
            Error = Error,
            Hint = Hint,
            StatusCode = StatusCode,
            EnhancedStatusCode = EnhancedStatusCode,
            Greeting = Greeting,
            TlsProtocol = TlsProtocol,
            CipherSuite = CipherSuite,
            CertificateSubject = CertificateSubject,
            CertificateNotAfter = CertificateNotAfter,
            CertificateError = CertificateError,
            Capabilities = Capabilities,
            AuthenticationMechanisms = Mechanisms,
            MaxMessageSize = MaxSize,
            Authenticated = Authenticated,
        };
    }

    /// <summary>Keeps the first line the server sends (the greeting); nothing the client writes is looked at, so no secret is kept.</summary>
    private sealed class GreetingRecorder : IProtocolLogger
    {
        private readonly StringBuilder _first = new();
        private volatile string? _greeting;

        public string? Greeting => _greeting;

        public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

        public void LogConnect(Uri uri)
        {
        }

        public void LogClient(byte[] buffer, int offset, int count)
        {
        }

        public void LogServer(byte[] buffer, int offset, int count)
        {
            if (_greeting is not null)
            {
                return;
            }

            var text = Encoding.ASCII.GetString(buffer, offset, count);
            var end = text.IndexOf('\n', StringComparison.Ordinal);
            _first.Append(end < 0 ? text : text[..end]);
            if (end >= 0 || _first.Length > 512)
            {
                _greeting = _first.ToString().TrimEnd('\r');
            }
        }

        public void Dispose()
        {
        }
    }
}
