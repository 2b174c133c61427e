using System.Globalization;

namespace MailSender.Benchmarks.Throughput;

/// <summary>The command line of <c>throughput</c>, parsed and checked.</summary>
internal sealed class ThroughputOptions
{
    public const string Usage = """
        Usage: throughput [--server HOST:PORT] [--tls] --messages N --size BYTES [--json]
                          [--repeat R] [--max-seconds S] [--prime-seconds S] [--modes a,b,...] [--mailsender-params K=V&...]
                          [--starttls] [--ca-file PATH] [--thumbprint HEX]

          --server HOST:PORT  SMTP server to send to. Without it, starts /usr/sbin/smtp-sink on a free
                              loopback port (and, with --tls, stunnel in front of it with a self-signed certificate).
          --tls               Send over TLS: implicit TLS, or STARTTLS with --starttls (only with --server).
          --messages N        Messages per timed run (default 1000).
          --size BYTES        Size of each message on the wire, headers included (default 2048).
          --json              Print only a JSON array of {mode, connections, size, msgsPerSec, allocatedBytesPerMessage}.
          --repeat R          Timed runs per mode and connection count, interleaved; the median is reported (default 3).
          --max-seconds S     Stop a timed run after S seconds and rate what was sent (default 30): keeps slow modes bounded.
          --prime-seconds S   Before the first repetition, run every in-process mode and connection count untimed for up
                              to S seconds, so each is JIT-optimised before it is timed (default 2; 0 turns it off).
          --modes LIST        Only these modes: mailsender, mailkit-reuse, mailkit-per-message, system-net-mail, smtp-source;
                              or the opt-in mailkit-reuse-nagle (mailkit-reuse over MailKit's default socket, Nagle on,
                              1 and 4 connections), which runs only when named here.
          --mailsender-params Q
                              Extra transport URI parameters for the mailsender mode, e.g.
                              'maxMessagesPerConnection=1000000' (default: the library's pool defaults).
          --ca-file PATH      With --server --tls: a PEM certificate (authority) to trust for the server.
          --thumbprint HEX    With --server --tls: the SHA-256 thumbprint of the server certificate to trust.
          --server postfix    The project's Postfix (scripts/postfix/start.sh; $MAILSENDER_POSTFIX_DIR/peer.env, default
                              /tmp/mailsender-postfix), plain port: PIPELINING and CHUNKING.
          --rtt MS            Put a delay proxy in front of the server: MS/2 each way, order kept. The table then gives
                              round trips per message (client write bursts counted by the proxy in the timed runs).
          --connections LIST  Connection counts to measure, e.g. 1 or 1,8 (default: each mode's own, 1,4,8).
          --callers N         Concurrent callers of the in-process modes that share connections (mailsender): N callers
                              over the pool (default: one per connection). Modes that cannot share a connection ignore it.
          --max-in-flight N   maxInFlight for mailsender-aggressive (default 16).
          --baseline MODE     The mode ratios are computed against, per round (default mailkit-reuse).
        Modes also: mailsender-off, mailsender-aggressive (pipelining=off|aggressive; mailsender is the default, on),
        nodemailer (benchmarks/nodemailer, npm ci on first use).
        """;

    public SmtpServerAddress? Server { get; private set; }

    public bool Tls { get; private set; }

    public bool StartTls { get; private set; }

    public int Messages { get; private set; } = 1000;

    public int Size { get; private set; } = 2048;

    public bool Json { get; private set; }

    public int Repeat { get; private set; } = 3;

    public TimeSpan MaxDuration { get; private set; } = TimeSpan.FromSeconds(30);

    public TimeSpan PrimeDuration { get; private set; } = TimeSpan.FromSeconds(2);

    public IReadOnlySet<string>? Modes { get; private set; }

    public string? CaFile { get; private set; }

    public string? MailSenderParameters { get; private set; }

    public string? Thumbprint { get; private set; }

    public TimeSpan? RoundTrip { get; private set; }

    public IReadOnlyList<int>? Connections { get; private set; }

    public int? Callers { get; private set; }

    public int MaxInFlight { get; private set; } = 16;

    public string Baseline { get; private set; } = "mailkit-reuse";

    /// <summary>Parses <paramref name="args"/>; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static ThroughputOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ThroughputOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            switch (name)
            {
                case "--server":
                    var server = Value(args, ref i);
                    options.Server = server == "postfix" ? PostfixServer() : SmtpServerAddress.Parse(server);
                    break;
                case "--rtt":
                    options.RoundTrip = TimeSpan.FromMilliseconds(Number(args, ref i, min: 1));
                    break;
                case "--connections":
                    options.Connections = Value(args, ref i).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n : throw new FormatException($"--connections expects whole numbers of at least 1, not '{c}'."))
                        .ToArray();
                    break;
                case "--callers":
                    options.Callers = Number(args, ref i, min: 1);
                    break;
                case "--max-in-flight":
                    options.MaxInFlight = Number(args, ref i, min: 1);
                    break;
                case "--baseline":
                    options.Baseline = Value(args, ref i);
                    break;
                case "--tls":
                    options.Tls = true;
                    break;
                case "--starttls":
                    options.StartTls = true;
                    break;
                case "--messages":
                    options.Messages = Number(args, ref i, min: 1);
                    break;
                case "--size":
                    options.Size = Number(args, ref i, min: 1);
                    break;
                case "--json":
                    options.Json = true;
                    break;
                case "--repeat":
                    options.Repeat = Number(args, ref i, min: 1);
                    break;
                case "--max-seconds":
                    options.MaxDuration = TimeSpan.FromSeconds(Number(args, ref i, min: 1));
                    break;
                case "--prime-seconds":
                    options.PrimeDuration = TimeSpan.FromSeconds(Number(args, ref i, min: 0));
                    break;
                case "--modes":
                    options.Modes = Value(args, ref i).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
                    break;
                case "--mailsender-params":
                    options.MailSenderParameters = Value(args, ref i);
                    break;
                case "--ca-file":
                    options.CaFile = Path.GetFullPath(Value(args, ref i));
                    break;
                case "--thumbprint":
                    options.Thumbprint = Value(args, ref i);
                    break;
                default:
                    throw new FormatException($"unknown argument '{name}'.");
            }
        }

        if (options.StartTls && !options.Tls)
        {
            options.Tls = true;
        }

        if (options.Server is null && (options.StartTls || options.CaFile is not null || options.Thumbprint is not null))
        {
            throw new FormatException("--starttls, --ca-file and --thumbprint need --server (the local stunnel uses implicit TLS and its own certificate).");
        }

        return options;
    }

    /// <summary>The plain port of the project's Postfix, from the peer.env its start script writes.</summary>
    private static SmtpServerAddress PostfixServer()
    {
        var folder = Environment.GetEnvironmentVariable("MAILSENDER_POSTFIX_DIR") is { Length: > 0 } dir ? dir : "/tmp/mailsender-postfix";
        var file = Path.Combine(folder, "peer.env");
        if (!File.Exists(file))
        {
            throw new FormatException($"--server postfix: {file} does not exist; start Postfix with sudo scripts/postfix/start.sh.");
        }

        var values = File.ReadAllLines(file).Where(l => l.Contains('=', StringComparison.Ordinal) && !l.StartsWith('#')).ToDictionary(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..], StringComparer.Ordinal);
        return new SmtpServerAddress(values["MAILSENDER_POSTFIX_HOST"], int.Parse(values["MAILSENDER_POSTFIX_PLAIN_PORT"], CultureInfo.InvariantCulture));
    }

    private static string Value(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 >= args.Count)
        {
            throw new FormatException($"{args[i]} needs a value.");
        }

        return args[++i];
    }

    private static int Number(IReadOnlyList<string> args, ref int i, int min)
    {
        var name = args[i];
        var text = Value(args, ref i);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min)
        {
            throw new FormatException($"{name} expects a whole number of at least {min}, not '{text}'.");
        }

        return value;
    }
}
