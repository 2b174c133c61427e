using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MailSender.Benchmarks.Throughput.Peers;

/// <summary>A server process this harness started: waits until it listens, and kills it (by its own pid) when disposed.</summary>
/// <remarks>
/// Output goes to a log file through <c>/bin/sh -c 'exec ... &gt; LOG'</c>, not to a pipe read by this process:
/// reading smtp-sink's counters here would add allocations to the very measurements they accompany.
/// </remarks>
internal sealed class PeerProcess : IDisposable
{
    private readonly Process _process;

    private PeerProcess(Process process, string name, string logFile)
    {
        _process = process;
        Name = name;
        LogFile = logFile;
    }

    public string Name { get; }

    public string LogFile { get; }

    /// <summary>Starts <paramref name="executable"/> and waits until <paramref name="port"/> on 127.0.0.1 accepts connections.</summary>
    public static async Task<PeerProcess> StartAsync(string executable, IEnumerable<string> arguments, int port, string logFile, CancellationToken cancellationToken)
    {
        var command = "exec " + string.Join(' ', new[] { executable }.Concat(arguments).Select(Quote)) + " > " + Quote(logFile) + " 2>&1";
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        var peer = new PeerProcess(process, Path.GetFileName(executable), logFile);
        try
        {
            await peer.WaitUntilListeningAsync(port, cancellationToken);
            return peer;
        }
        catch
        {
            peer.Dispose();
            throw;
        }
    }

    /// <summary>Returns a loopback port that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(TimeSpan.FromSeconds(5));
        }

        _process.Dispose();
    }

    private async Task WaitUntilListeningAsync(int port, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} at start: {ReadLog()}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    private string ReadLog() => File.Exists(LogFile) ? File.ReadAllText(LogFile).Trim() : string.Empty;

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
