using MailKit.Net.Smtp;
using MailSender.Smtp.Protocol;

namespace MailSender.Smtp.Detection;

/// <summary>
/// Probes one endpoint through the same connector a send uses: TCP, TLS (implicit, or STARTTLS when offered) with the
/// library's certificate validation, greeting, EHLO, optionally AUTH, then QUIT. Never throws for a failure of the endpoint: it reports it.
/// </summary>
internal sealed class SmtpProbe
{
    private readonly SmtpDetectionRequest _request;
    private readonly SmtpConnector _connector;
    private readonly CertificateValidator _certificates;
    private readonly TlsHistory _history;
    private readonly TimeProvider _timeProvider;

    public SmtpProbe(SmtpDetectionRequest request, SmtpConnector connector, CertificateValidator certificates, TlsHistory history, TimeProvider timeProvider)
    {
        _request = request;
        _connector = connector;
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
        var endpoint = EndpointFor(candidate);
        var info = new SmtpConnectionInfo();
        SmtpSession? session = null;
        var phase = SmtpPhase.Connect;
        try
        {
            session = await _connector.ConnectAsync(endpoint, _certificates, _history, authenticate: false, info, token).ConfigureAwait(false);
            Record(session, state);
            Check(candidate, session, state);
            if (state.Outcome is null && _request.UserName is not null)
            {
                phase = SmtpPhase.Authenticate;
                await session.AuthenticateAsync(token).ConfigureAwait(false);
                state.Authenticated = true;
            }

            state.Outcome ??= SmtpProbeOutcome.Usable;
            await QuitAsync(session).ConfigureAwait(false);
            session = null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (stop.IsCancellationRequested && !deadline.IsCancellationRequested)
            {
                state.Outcome = SmtpProbeOutcome.Cancelled;
                state.Error = "Stopped: a better endpoint was already found.";
            }
            else if (deadline.IsCancellationRequested)
            {
                var timeout = SmtpErrorMapper.TimeoutError(ex, phase, endpoint);
                state.Fail(SmtpProbeOutcome.TimedOut, timeout);
                state.Hint = TimeoutHint(candidate, phase, info) ?? timeout.Hint;
            }
            else
            {
                var error = ex as EmailSendException ?? SmtpErrorMapper.Map(ex, phase, endpoint, session, info);

                // Only a reply of the server (e.g. 535) says the credentials were refused; a timeout or a cancellation says nothing.
                state.Authenticated = phase == SmtpPhase.Authenticate && error.Kind == EmailErrorKind.AuthenticationFailed && error.StatusCode is not null ? false : null;
                state.Fail(error.Kind == EmailErrorKind.Timeout ? SmtpProbeOutcome.TimedOut : SmtpProbeOutcome.Failed, error);
                if (error.Kind == EmailErrorKind.Timeout)
                {
                    // The command timeout can fire just before the detection deadline (a loaded machine): same advice.
                    state.Hint = TimeoutHint(candidate, phase, info) ?? state.Hint;
                }
            }
        }
        finally
        {
            if (session is not null)
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }

        state.Record(info);
        if (info.EhloAnswered && !info.StartTlsOffered && !info.IsSecure)
        {
            // The server spoke plain text and offered no STARTTLS: that is what this endpoint is, whatever was tried.
            state.Security = SmtpSecurity.None;
        }

        return state.ToAttempt(_timeProvider.GetElapsedTime(started));
    }

    private static string? TimeoutHint(ProbeCandidate candidate, SmtpPhase phase, SmtpConnectionInfo info)
    {
        if (phase != SmtpPhase.Connect || candidate.Port == 25)
        {
            return null;
        }

        // Connected but no greeting: the port likely expects TLS first (or plain text first), or the server is overloaded.
        return info.Greeting is null && candidate.Mode == SmtpSecurity.StartTls
            ? "The server accepted the connection but sent no greeting: it may expect TLS from the first byte (implicit TLS, smtps://), or it is overloaded."
            : null;
    }

    private static async Task QuitAsync(SmtpSession session)
    {
        using var timeout = new CancellationTokenSource(DetectionDefaults.QuitTimeout);

        // The verdict is in; a server that drops QUIT changes nothing (CloseAsync ignores its failures).
        await session.CloseAsync(timeout.Token).ConfigureAwait(false);
    }

    private static void Record(SmtpSession session, State state)
    {
        var client = session.Client;

        // After STARTTLS, MailKit's capabilities are those of the second EHLO, which no longer lists STARTTLS.
        state.Capabilities = DescribeCapabilities(client.Capabilities, session.Info.StartTlsOffered);
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

    /// <summary>
    /// Decides whether an endpoint that answered may be used; sets a NotUsable outcome when not. (A STARTTLS that vanished
    /// from an endpoint seen with TLS never gets here: the connector refuses it as a downgrade.)
    /// </summary>
    private void Check(ProbeCandidate candidate, SmtpSession session, State state)
    {
        var endpoint = $"{candidate.Host}:{candidate.Port}";
        if (!session.IsSecure)
        {
            state.Security = SmtpSecurity.None;
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

        var client = session.Client;
        if (_request.UserName is not null && (!client.Capabilities.HasFlag(SmtpCapabilities.Authentication) || client.AuthenticationMechanisms.Count == 0))
        {
            state.Outcome = SmtpProbeOutcome.NotUsable;
            state.ErrorKind = EmailErrorKind.AuthenticationFailed;
            state.Error = $"{endpoint} does not offer authentication (AUTH), but a user name is configured.";
            state.Hint = SmtpHints.AuthNotOffered;
        }
    }

    private SmtpEndpoint EndpointFor(ProbeCandidate candidate) => new()
    {
        Host = candidate.Host,
        Port = candidate.Port,

        // STARTTLS candidates are opportunistic: a server without it is still reported (and judged by Check).
        Security = candidate.Mode == SmtpSecurity.Implicit ? SmtpSecurity.Implicit : SmtpSecurity.Auto,
        Credentials = _request.UserName is null ? null : new SmtpCredentials(_request.UserName, _request.Password ?? string.Empty, null),
        AllowInsecureAuthentication = _request.AllowInsecureAuthentication,
        ConnectTimeout = _request.Options.ProbeTimeout,
        CommandTimeout = _request.Options.ProbeTimeout,
        EhloName = _request.EhloName,
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

        /// <summary>Takes what the connection saw: the greeting, the TLS session and the certificate (also after a failure).</summary>
        public void Record(SmtpConnectionInfo info)
        {
            Greeting = info.Greeting;
            CertificateSubject = info.CertificateSubject;
            CertificateNotAfter = info.CertificateNotAfter;
            CertificateError = info.Certificate.Problem;
            if (info.IsSecure)
            {
                TlsProtocol = info.TlsProtocol.ToString();
                CipherSuite = info.CipherSuite?.ToString();
            }
        }

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
}
