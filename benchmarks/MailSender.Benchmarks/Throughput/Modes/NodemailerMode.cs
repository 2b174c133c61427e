using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace MailSender.Benchmarks.Throughput.Modes;

/// <summary>
/// nodemailer's pooled SMTP transport (benchmarks/nodemailer/send.mjs), which pipelines MAIL, RCPT and DATA: C callers
/// (<c>--callers</c>, else one per connection) over N connections. The script sends a warm-up, says so, and waits for the
/// harness (which reads the proxy's counters) before the timed messages; it times them itself and reports its CPU.
/// </summary>
internal sealed class NodemailerMode : IThroughputMode
{
    public string Name => "nodemailer";

    public IReadOnlyList<int> ConnectionCounts { get; } = [1, 4, 8];

    private static string Folder => Path.Combine(RepositoryRoot(), "benchmarks", "nodemailer");

    public string? SkipReason(ThroughputContext context) => FindNode() is null ? "node is not on the PATH" : null;

    public async Task<Measurement> RunAsync(ThroughputContext context, int connections, CancellationToken cancellationToken)
    {
        await EnsureInstalledAsync(cancellationToken);
        var callers = context.Callers ?? connections;
        var start = new ProcessStartInfo(FindNode()!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Folder,
        };
        foreach (var argument in new[]
        {
            "send.mjs", context.Target.Host, context.Target.Port.ToString(CultureInfo.InvariantCulture),
            context.Messages.ToString(CultureInfo.InvariantCulture), context.MessageFactory.Size.ToString(CultureInfo.InvariantCulture),
            connections.ToString(CultureInfo.InvariantCulture), callers.ToString(CultureInfo.InvariantCulture),
            context.WarmupMessages(connections).ToString(CultureInfo.InvariantCulture),
            context.Target.Tls switch { TlsMode.Implicit => "tls", TlsMode.StartTls => "starttls", _ => "none" },
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            var warm = await process.StandardOutput.ReadLineAsync(cancellationToken);
            if (warm != "WARM")
            {
                throw new InvalidOperationException($"nodemailer failed during its warm-up: {warm} {(await errors).Trim()}");
            }

            context.CountSent(context.WarmupMessages(connections));
            var burstsBefore = context.Proxy?.Bursts;
            await process.StandardInput.WriteLineAsync("GO");
            await process.StandardInput.FlushAsync(cancellationToken);
            var line = await process.StandardOutput.ReadLineAsync(cancellationToken)
                ?? throw new InvalidOperationException($"nodemailer stopped without a result: {(await errors).Trim()}");
            var bursts = context.Proxy?.Bursts - burstsBefore;
            await process.WaitForExitAsync(cancellationToken);
            using var result = JsonDocument.Parse(line);
            var sent = result.RootElement.GetProperty("sent").GetInt32();
            var seconds = result.RootElement.GetProperty("seconds").GetDouble();
            var cpu = TimeSpan.FromMicroseconds(result.RootElement.GetProperty("cpuUserMicros").GetDouble() + result.RootElement.GetProperty("cpuSystemMicros").GetDouble());
            context.CountSent(sent);
            return new Measurement(sent, TimeSpan.FromSeconds(seconds), AllocatedBytes: null, cpu, bursts);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }
    }

    /// <summary>Installs nodemailer from the committed lock file on first use (<c>npm ci</c>).</summary>
    private static async Task EnsureInstalledAsync(CancellationToken cancellationToken)
    {
        if (Directory.Exists(Path.Combine(Folder, "node_modules", "nodemailer")))
        {
            return;
        }

        var start = new ProcessStartInfo("npm") { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "ci", "--no-audit", "--no-fund" })
        {
            start.ArgumentList.Add(argument);
        }

        using var npm = Process.Start(start) ?? throw new InvalidOperationException("could not start npm");
        var output = npm.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = npm.StandardError.ReadToEndAsync(cancellationToken);
        await npm.WaitForExitAsync(cancellationToken);
        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm ci failed in {Folder}: {(await errors).Trim()} {(await output).Trim()}");
        }
    }

    private static string? FindNode() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Select(dir => Path.Combine(dir, "node")).FirstOrDefault(File.Exists);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MailSender.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (MailSender.sln) was not found above " + AppContext.BaseDirectory);
    }
}
