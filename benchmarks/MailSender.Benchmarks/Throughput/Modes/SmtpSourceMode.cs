using System.Diagnostics;
using System.Globalization;

namespace MailSender.Benchmarks.Throughput.Modes;

/// <summary>
/// Postfix's C test client as the ceiling: <c>smtp-source -d -s N</c>, N sessions each reusing one connection,
/// timed from process start to exit. Plain SMTP only; it has no TLS.
/// </summary>
/// <remarks>Its <c>-l</c> is the payload length without headers, so its messages are a little larger than the others'.</remarks>
internal sealed class SmtpSourceMode : IThroughputMode
{
    public const string ExecutablePath = "/usr/sbin/smtp-source";

    public string Name => "smtp-source";

    public IReadOnlyList<int> ConnectionCounts { get; } = [1, 4, 8];

    public string? SkipReason(ThroughputContext context) =>
        !File.Exists(ExecutablePath) ? $"{ExecutablePath} is not installed (scripts/bench/install.sh)"
        : context.Target.Tls != TlsMode.None ? "smtp-source speaks plain SMTP only (no TLS)"
        : null;

    public async Task<Measurement> RunAsync(ThroughputContext context, int connections, CancellationToken cancellationToken)
    {
        await RunSmtpSourceAsync(context, connections, context.WarmupMessages(connections), cancellationToken);
        context.CountSent(context.WarmupMessages(connections));
        var burstsBefore = context.Proxy?.Bursts;
        var stopwatch = Stopwatch.StartNew();
        await RunSmtpSourceAsync(context, connections, context.Messages, cancellationToken);
        stopwatch.Stop();
        context.CountSent(context.Messages);

        // Its own connection set-up (greeting, EHLO) is counted too: a few bursts per session.
        return new Measurement(context.Messages, stopwatch.Elapsed, AllocatedBytes: null, Bursts: context.Proxy?.Bursts - burstsBefore);
    }

    private static async Task RunSmtpSourceAsync(ThroughputContext context, int sessions, int messages, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-d",
            "-s", sessions.ToString(CultureInfo.InvariantCulture),
            "-m", messages.ToString(CultureInfo.InvariantCulture),
            "-l", context.MessageFactory.Size.ToString(CultureInfo.InvariantCulture),
            "-f", MessageFactory.From,
            "-t", MessageFactory.To,
            context.Target.Address.ToString(),
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {ExecutablePath}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"smtp-source exited with {process.ExitCode}: {(await errors).Trim()} {(await output).Trim()}");
        }
    }
}
