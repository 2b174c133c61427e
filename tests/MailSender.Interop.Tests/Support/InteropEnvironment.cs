using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using MailSender.TestSupport;

namespace MailSender.Interop.Tests.Support;

/// <summary>
/// Finds the five servers: Postfix through <c>$MAILSENDER_POSTFIX_DIR/peer.env</c> (default <c>/tmp/mailsender-postfix</c>,
/// written by scripts/postfix/start.sh) and the other four through <c>$MAILSENDER_INTEROP_DIR/interop.env</c> (default
/// <c>/tmp/mailsender-interop</c>, written by scripts/interop/start.sh). A test calls <see cref="Require"/>: when its server
/// is absent the test is skipped with the reason, except under <c>CI=true</c>, where it fails (<see cref="ExternalTool"/>).
/// </summary>
public static class InteropEnvironment
{
    public const string InteropDirectoryVariable = "MAILSENDER_INTEROP_DIR";
    public const string PostfixDirectoryVariable = "MAILSENDER_POSTFIX_DIR";

    private static readonly ConcurrentDictionary<string, Lazy<(InteropServer? Server, string? Reason)>> Found = new(StringComparer.Ordinal);

    /// <summary>Returns the running server named <paramref name="name"/>; skips the test when it is absent, or fails it under CI=true.</summary>
    public static InteropServer Require(string name)
    {
        var (server, reason) = Found.GetOrAdd(name, n => new Lazy<(InteropServer?, string?)>(() => Find(n))).Value;
        ExternalTool.Require(server is not null, reason ?? string.Empty);
        return server!;
    }

    private static string Folder(string variable, string fallback) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } configured ? configured : fallback;

    private static (InteropServer? Server, string? Reason) Find(string name)
    {
        var profile = ServerProfile.Get(name);
        var postfix = name == ServerProfile.Postfix;
        var file = postfix
            ? Path.Combine(Folder(PostfixDirectoryVariable, "/tmp/mailsender-postfix"), "peer.env")
            : Path.Combine(Folder(InteropDirectoryVariable, "/tmp/mailsender-interop"), "interop.env");
        var start = postfix ? "scripts/postfix/start.sh" : "scripts/interop/install.sh and scripts/interop/start.sh";
        if (!File.Exists(file))
        {
            return (null, $"{name} is not running: run {start} (no {file}; set {(postfix ? PostfixDirectoryVariable : InteropDirectoryVariable)} to another folder).");
        }

        InteropServer server;
        try
        {
            var values = Read(file);
            server = postfix ? Postfix(profile, values, file) : Other(profile, values, file);
        }
        catch (InvalidDataException error)
        {
            return (null, error.Message);
        }

        var port = server.Ports[Security.Plain];
        try
        {
            using var client = new TcpClient();
            if (!client.ConnectAsync(server.Host, port).Wait(TimeSpan.FromSeconds(2)))
            {
                return (null, $"{name} is not running: run {start} ({file} exists, but {server.Host}:{port} did not accept a connection within 2 s).");
            }
        }
        catch (AggregateException error) when (error.InnerException is SocketException socket)
        {
            return (null, $"{name} is not running: run {start} ({file} exists, but {server.Host}:{port} refused the connection: {socket.SocketErrorCode}).");
        }

        return (server, null);
    }

    private static Dictionary<string, string> Read(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (line.Length == 0 || line[0] == '#' || equals <= 0)
            {
                continue;
            }

            values[line[..equals]] = line[(equals + 1)..];
        }

        return values;
    }

    private static string Get(Dictionary<string, string> values, string key, string file) =>
        values.TryGetValue(key, out var value) && value.Length > 0 ? value : throw new InvalidDataException($"{file} has no {key}; restart the servers.");

    private static int Port(Dictionary<string, string> values, string key, string file) =>
        int.TryParse(Get(values, key, file), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and < 65536
            ? port
            : throw new InvalidDataException($"{file}: {key} is not a port number.");

    private static InteropServer Postfix(ServerProfile profile, Dictionary<string, string> values, string file)
    {
        string P(string key) => Get(values, "MAILSENDER_POSTFIX_" + key, file);
        return new InteropServer
        {
            Profile = profile,
            Host = P("HOST"),
            Ports = new Dictionary<Security, int>
            {
                [Security.Plain] = Port(values, "MAILSENDER_POSTFIX_PLAIN_PORT", file),
                [Security.StartTls] = Port(values, "MAILSENDER_POSTFIX_STARTTLS_PORT", file),
                [Security.ImplicitTls] = Port(values, "MAILSENDER_POSTFIX_IMPLICIT_TLS_PORT", file),
            },
            CaFile = P("CA_FILE"),
            Store = P("MAILDIR"),
            Credentials = (P("USER"), P("PASSWORD")),
            LogFile = values.GetValueOrDefault("MAILSENDER_POSTFIX_LOG"),
        };
    }

    private static InteropServer Other(ServerProfile profile, Dictionary<string, string> values, string file)
    {
        var prefix = "MAILSENDER_INTEROP_" + profile.Name.ToUpperInvariant().Replace('-', '_') + "_";
        var ports = new Dictionary<Security, int>
        {
            [Security.Plain] = Port(values, prefix + "PLAIN_PORT", file),
            [Security.StartTls] = Port(values, prefix + "STARTTLS_PORT", file),
            [Security.ImplicitTls] = Port(values, prefix + "IMPLICIT_TLS_PORT", file),
        };
        return new InteropServer
        {
            Profile = profile,
            Host = Get(values, prefix + "HOST", file),
            Ports = ports.Where(p => p.Value != 0).ToDictionary(),
            CaFile = Get(values, prefix + "CA_FILE", file),
            Store = Get(values, prefix + "STORE", file),
            Extensions = Get(values, prefix + "EXTENSIONS", file).Split(' ', StringSplitOptions.RemoveEmptyEntries),
            LogFile = values.GetValueOrDefault(prefix + "LOG"),
        };
    }
}
