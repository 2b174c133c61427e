using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace MailSender.Benchmarks.Throughput.Peers;

/// <summary>
/// The sink the harness starts when no <c>--server</c> is given: Postfix's <c>smtp-sink</c> on a free loopback port
/// and, for TLS, <c>stunnel</c> in front of it (implicit TLS, a fresh self-signed certificate made with openssl).
/// Everything lives in one temporary folder, removed on dispose.
/// </summary>
internal sealed partial class LocalSink : IDisposable
{
    public const string SmtpSinkPath = "/usr/sbin/smtp-sink";

    private static readonly string[] StunnelPaths = ["/usr/bin/stunnel4", "/usr/bin/stunnel"];

    private readonly DirectoryInfo _folder;
    private readonly List<PeerProcess> _processes = [];
    private PeerProcess? _sink;

    private LocalSink(DirectoryInfo folder)
    {
        _folder = folder;
    }

    public SmtpTarget Target { get; private set; } = null!;

    /// <summary>Gets a line saying what was started, for the log.</summary>
    public string Description { get; private set; } = string.Empty;

    public static bool IsAvailable => File.Exists(SmtpSinkPath);

    public static async Task<LocalSink> StartAsync(bool tls, CancellationToken cancellationToken)
    {
        var sink = new LocalSink(Directory.CreateTempSubdirectory("mailsender-bench-"));
        try
        {
            await sink.StartPeersAsync(tls, cancellationToken);
            return sink;
        }
        catch
        {
            sink.Dispose();
            throw;
        }
    }

    /// <summary>Reads smtp-sink's last counter line (<c>-c</c>): how many messages it received, or <see langword="null"/>.</summary>
    public long? ReceivedMessages()
    {
        if (_sink is null || !File.Exists(_sink.LogFile))
        {
            return null;
        }

        using var log = new FileStream(_sink.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        log.Seek(Math.Max(0, log.Length - 256), SeekOrigin.Begin);
        using var reader = new StreamReader(log);
        var matches = MessageCounter().Matches(reader.ReadToEnd());
        return matches.Count == 0 ? null : long.Parse(matches[^1].Groups[1].ValueSpan, CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            process.Dispose();
        }

        _folder.Delete(recursive: true);
    }

    private async Task StartPeersAsync(bool tls, CancellationToken cancellationToken)
    {
        var sinkPort = PeerProcess.FreePort();

        // -u nobody: required as root; -a: hide AUTH (smtp-sink answers it with 250, not 235);
        // -C -F: hide XCLIENT and XFORWARD; -c: counters, read back to check what arrived; 1000: listen backlog.
        _sink = await PeerProcess.StartAsync(
            SmtpSinkPath,
            ["-u", "nobody", "-c", "-a", "-C", "-F", $"127.0.0.1:{sinkPort}", "1000"],
            sinkPort,
            Path.Combine(_folder.FullName, "smtp-sink.log"),
            cancellationToken);
        _processes.Add(_sink);
        if (!tls)
        {
            Target = new SmtpTarget(new SmtpServerAddress("127.0.0.1", sinkPort), TlsMode.None, caFile: null, thumbprint: null);
            Description = $"smtp-sink on 127.0.0.1:{sinkPort}";
            return;
        }

        var stunnel = StunnelPaths.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("--tls without --server needs stunnel (scripts/bench/install.sh installs stunnel4).");
        var (certificate, key, thumbprint) = await CreateCertificateAsync(cancellationToken);
        var tlsPort = PeerProcess.FreePort();
        var config = Path.Combine(_folder.FullName, "stunnel.conf");
        await File.WriteAllTextAsync(
            config,
            $"""
            foreground = yes
            pid =
            debug = 3
            ; Nagle on either leg would add delayed-ACK stalls that are stunnel's, not the client's.
            socket = l:TCP_NODELAY=1
            socket = r:TCP_NODELAY=1

            [smtps]
            accept = 127.0.0.1:{tlsPort}
            connect = 127.0.0.1:{sinkPort}
            cert = {certificate}
            key = {key}
            """,
            cancellationToken);
        _processes.Add(await PeerProcess.StartAsync(stunnel, [config], tlsPort, Path.Combine(_folder.FullName, "stunnel.log"), cancellationToken));

        // The certificate is self-signed, so it is its own authority: MailSender gets it as caFile, the raw modes the same way.
        Target = new SmtpTarget(new SmtpServerAddress("127.0.0.1", tlsPort), TlsMode.Implicit, caFile: certificate, thumbprint: null);
        Description = $"stunnel (implicit TLS) on 127.0.0.1:{tlsPort} -> smtp-sink on 127.0.0.1:{sinkPort}, certificate SHA-256 {thumbprint}";
    }

    private async Task<(string Certificate, string Key, string Thumbprint)> CreateCertificateAsync(CancellationToken cancellationToken)
    {
        var certificate = Path.Combine(_folder.FullName, "cert.pem");
        var key = Path.Combine(_folder.FullName, "key.pem");
        var start = new ProcessStartInfo("openssl") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[]
        {
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "30", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", certificate,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var openssl = Process.Start(start) ?? throw new InvalidOperationException("could not start openssl");
        var errors = openssl.StandardError.ReadToEndAsync(cancellationToken);
        _ = openssl.StandardOutput.ReadToEndAsync(cancellationToken);
        await openssl.WaitForExitAsync(cancellationToken);
        if (openssl.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl could not create the certificate: {await errors}");
        }

        var loaded = new X509Certificate2Collection();
        loaded.ImportFromPemFile(certificate);
        using var leaf = loaded[0];
        return (certificate, key, leaf.GetCertHashString(HashAlgorithmName.SHA256));
    }

    [GeneratedRegex(@"mesg=(\d+)")]
    private static partial Regex MessageCounter();
}
