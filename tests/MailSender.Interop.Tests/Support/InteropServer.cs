namespace MailSender.Interop.Tests.Support;

/// <summary>How a server stores what it accepted, and so how a test reads a message back.</summary>
public enum StoreFormat
{
    /// <summary>A Maildir: one file per recipient, LF line endings, the server's headers first (Postfix, Exim, OpenSMTPD).</summary>
    Maildir,

    /// <summary>smtp-sink's dump: one file per transaction, LF line endings, X-* envelope lines and Received first, one empty line appended.</summary>
    SmtpSinkDump,

    /// <summary>scripts/interop/aiosmtpd_store.py: one file per transaction, X-Interop-* lines, then the bytes received (CRLF).</summary>
    Raw,
}

/// <summary>
/// What the suite expects of one server: its listeners, extensions and store. The facts come from the start scripts
/// (scripts/postfix/start.sh, scripts/interop/start.sh); the running server is found through <see cref="InteropEnvironment"/>.
/// </summary>
public sealed record ServerProfile(
    string Name,
    IReadOnlyList<Security> Securities,
    bool Pipelining,
    bool Chunking,
    bool SmtpUtf8,
    bool RefusesTestRecipients,
    StoreFormat Format,
    string RecipientHeader)
{
    public const string Postfix = "postfix";
    public const string Exim = "exim";
    public const string OpenSmtpd = "opensmtpd";
    public const string SmtpSink = "smtp-sink";
    public const string Aiosmtpd = "aiosmtpd";

    private static readonly Security[] AllSecurities = [Security.Plain, Security.StartTls, Security.ImplicitTls];

    /// <summary>The five servers. OpenSMTPD 6.8's TLS fails with OpenSSL 3 and smtp-sink has none: both are plain only.</summary>
    public static readonly IReadOnlyList<ServerProfile> All =
    [
        new(Postfix, AllSecurities, Pipelining: true, Chunking: true, SmtpUtf8: true, RefusesTestRecipients: true, StoreFormat.Maildir, "Delivered-To"),
        new(Exim, AllSecurities, Pipelining: true, Chunking: true, SmtpUtf8: true, RefusesTestRecipients: true, StoreFormat.Maildir, "Envelope-to"),
        new(OpenSmtpd, [Security.Plain], Pipelining: false, Chunking: false, SmtpUtf8: false, RefusesTestRecipients: true, StoreFormat.Maildir, "Delivered-To"),
        new(SmtpSink, [Security.Plain], Pipelining: true, Chunking: false, SmtpUtf8: false, RefusesTestRecipients: false, StoreFormat.SmtpSinkDump, "X-Rcpt-Args"),
        new(Aiosmtpd, AllSecurities, Pipelining: false, Chunking: false, SmtpUtf8: true, RefusesTestRecipients: true, StoreFormat.Raw, "X-Interop-Rcpt-To"),
    ];

    public static ServerProfile Get(string name) => All.Single(p => p.Name == name);

    public override string ToString() => Name;
}

/// <summary>A running server as its env file describes it.</summary>
public sealed record InteropServer
{
    public required ServerProfile Profile { get; init; }

    public required string Host { get; init; }

    /// <summary>Gets the port of each listener the server has.</summary>
    public required IReadOnlyDictionary<Security, int> Ports { get; init; }

    public required string CaFile { get; init; }

    /// <summary>Gets the folder the server stores messages in (a Maildir, the dump folder, or the raw store's new/).</summary>
    public required string Store { get; init; }

    /// <summary>Gets the EHLO keywords the start script saw on the plain port, or <see langword="null"/> when not recorded (Postfix).</summary>
    public IReadOnlyList<string>? Extensions { get; init; }

    /// <summary>Gets the SASL user and password, for servers whose TLS listeners require AUTH (Postfix).</summary>
    public (string User, string Password)? Credentials { get; init; }

    public string? LogFile { get; init; }

    public string Name => Profile.Name;

    /// <summary>
    /// The transport URI for one listener, e.g. <c>smtp://127.0.0.1:13025?security=none&amp;pipelining=on&amp;...</c>.
    /// </summary>
    public string Uri(Security security, string mode, params string[] options)
    {
        if (!Ports.TryGetValue(security, out var port) || port == 0)
        {
            throw new InvalidOperationException($"{Name} has no {security} listener.");
        }

        var query = new List<string>();
        query.AddRange(security switch
        {
            Security.Plain => ["security=none"],
            Security.StartTls => ["security=starttls", "caFile=" + System.Uri.EscapeDataString(CaFile)],
            _ => ["caFile=" + System.Uri.EscapeDataString(CaFile)],
        });
        if (PipeliningModes.UriOption(mode) is { } pipelining)
        {
            query.Add(pipelining);
        }

        query.AddRange(options);

        // A hang fails a test in seconds; the 50 MB message needs more than the 10 s the real-peer suite uses.
        query.Add("connectTimeout=10s");
        query.Add("timeout=60s");
        var userInfo = security != Security.Plain && Credentials is { } credentials
            ? System.Uri.EscapeDataString(credentials.User) + ":" + System.Uri.EscapeDataString(credentials.Password) + "@"
            : string.Empty;
        var scheme = security == Security.ImplicitTls ? "smtps" : "smtp";
        return $"{scheme}://{userInfo}{Host}:{port}?{string.Join('&', query)}";
    }

    public override string ToString() => $"{Name} on {Host} ({string.Join(", ", Ports.Select(p => $"{p.Key} {p.Value}"))}), store {Store}";
}
