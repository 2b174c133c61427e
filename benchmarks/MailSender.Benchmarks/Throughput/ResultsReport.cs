using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MailSender.Benchmarks.Throughput;

/// <summary>Prints the results: a readable table with ratios, or the JSON array of issue #3.</summary>
internal static class ResultsReport
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    };

    public static string ToJson(IReadOnlyList<ThroughputResult> results) => JsonSerializer.Serialize(results.Select(r => new
    {
        r.Mode,
        r.Connections,
        r.Size,
        r.MsgsPerSec,
        r.AllocatedBytesPerMessage,
        r.CpuMicrosecondsPerMessage,
        r.MsgsPerSecMin,
        r.MsgsPerSecMax,
        r.RoundTripsPerMessage,
        r.FirstRoundMsgsPerSec,
        RatioToBaseline = r.RatioToBaseline?.Median,
        RatioToBaselineMin = r.RatioToBaseline?.Min,
        RatioToBaselineMax = r.RatioToBaseline?.Max,
    }), JsonOptions);

    /// <summary>
    /// Each row's ratio to the baseline mode at the same connection count, computed round by round (rounds are
    /// interleaved, so round i of both ran under the same conditions), as the median and the spread.
    /// </summary>
    public static void ComputeRatios(IReadOnlyList<ThroughputResult> results, string baselineMode)
    {
        foreach (var result in results)
        {
            var baseline = results.FirstOrDefault(r => r.Mode == baselineMode && r.Connections == result.Connections)
                ?? results.FirstOrDefault(r => r.Mode == baselineMode);
            if (baseline is null)
            {
                continue;
            }

            var count = Math.Min(result.PerRoundMsgsPerSec.Count, baseline.PerRoundMsgsPerSec.Count);
            var ratios = Enumerable.Range(0, count).Where(i => baseline.PerRoundMsgsPerSec[i] > 0).Select(i => result.PerRoundMsgsPerSec[i] / baseline.PerRoundMsgsPerSec[i]).Order().ToArray();
            if (ratios.Length > 0)
            {
                var middle = ratios.Length / 2;
                var median = ratios.Length % 2 == 1 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2;
                result.RatioToBaseline = (median, ratios[0], ratios[^1]);
            }
        }
    }

    public static string ToTable(IReadOnlyList<ThroughputResult> results, ThroughputContext context, ThroughputOptions options)
    {
        string[] header = ["mode", "connections", "size", "msgs/s", "min-max", "msgs/s/conn", "first round", "round trips/msg", "allocated bytes/msg", "client CPU us/msg", $"vs {options.Baseline} (per round: median, min-max)"];
        var rows = results.Select(r => new[]
        {
            r.Mode,
            r.Connections.ToString(CultureInfo.InvariantCulture) + (context.Callers is { } callers && r.Mode.StartsWith("mailsender", StringComparison.Ordinal) ? $" ({callers} callers)" : string.Empty),
            r.Size.ToString(CultureInfo.InvariantCulture),
            r.MsgsPerSec.ToString("N1", CultureInfo.InvariantCulture),
            r.MsgsPerSecMin.ToString("N1", CultureInfo.InvariantCulture) + "-" + r.MsgsPerSecMax.ToString("N1", CultureInfo.InvariantCulture),
            (r.MsgsPerSec / r.Connections).ToString("N1", CultureInfo.InvariantCulture),
            r.FirstRoundMsgsPerSec?.ToString("N1", CultureInfo.InvariantCulture) ?? "-",
            r.RoundTripsPerMessage?.ToString("0.00", CultureInfo.InvariantCulture) ?? "-",
            r.AllocatedBytesPerMessage?.ToString("N0", CultureInfo.InvariantCulture) ?? "-",
            r.CpuMicrosecondsPerMessage?.ToString("N0", CultureInfo.InvariantCulture) ?? "-",
            r.RatioToBaseline is { } ratio ? string.Create(CultureInfo.InvariantCulture, $"{ratio.Median:0.00}x ({ratio.Min:0.00}-{ratio.Max:0.00})") : "-",
        }).ToList();
        var widths = header.Select((h, i) => rows.Select(row => row[i].Length).Append(h.Length).Max()).ToArray();

        var primed = options.PrimeDuration > TimeSpan.Zero
            ? string.Create(CultureInfo.InvariantCulture, $" (each in-process pair primed untimed for up to {options.PrimeDuration.TotalSeconds:0} s first)")
            : string.Empty;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Throughput to {context.Target.Address} ({Describe(context.Target.Tls)}), " +
            $"{options.Messages} messages per run, median of {options.Repeat}{primed}; compare ratios, not absolute numbers.");
        AppendRow(text, header, widths);
        AppendRow(text, widths.Select(w => new string('-', w)).ToArray(), widths);
        foreach (var row in rows)
        {
            AppendRow(text, row, widths);
        }

        text.AppendLine("* client CPU us/msg: this process's CPU time (user + system, all threads, GC and JIT included) per message; the sink's is not counted.");
        text.AppendLine("* first round: the priming run, timed from its first send: the mode's first use in this process (other modes primed before it share MimeKit's warm code).");
        if (context.Proxy is { } proxy)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"* round trips/msg: client write bursts counted by the delay proxy ({proxy.RoundTrip.TotalMilliseconds:0} ms round trip) during the timed runs, per message.");
        }
        foreach (var note in context.Notes)
        {
            text.AppendLine("* " + note);
        }

        return text.ToString().TrimEnd();
    }

    private static string Describe(TlsMode tls) => tls switch
    {
        TlsMode.Implicit => "implicit TLS",
        TlsMode.StartTls => "STARTTLS",
        _ => "plain SMTP",
    };

    private static void AppendRow(StringBuilder text, string[] cells, int[] widths)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            // Text left-aligned, numbers right-aligned.
            text.Append(i == 0 ? cells[i].PadRight(widths[i]) : cells[i].PadLeft(widths[i])).Append(i < cells.Length - 1 ? "  " : string.Empty);
        }

        text.AppendLine();
    }
}
