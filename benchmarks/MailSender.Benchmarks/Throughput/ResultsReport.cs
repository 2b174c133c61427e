using System.Globalization;
using System.Text;
using System.Text.Json;
using MailSender.Benchmarks.Throughput.Modes;

namespace MailSender.Benchmarks.Throughput;

/// <summary>Prints the results: a readable table with ratios, or the JSON array of issue #3.</summary>
internal static class ResultsReport
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    };

    public static string ToJson(IReadOnlyList<ThroughputResult> results) => JsonSerializer.Serialize(results, JsonOptions);

    public static string ToTable(IReadOnlyList<ThroughputResult> results, ThroughputContext context, ThroughputOptions options)
    {
        string[] header = ["mode", "connections", "size", "msgs/s", "allocated bytes/msg", "client CPU us/msg", "vs mailkit-reuse"];
        var rows = results.Select(r => new[]
        {
            r.Mode,
            r.Connections.ToString(CultureInfo.InvariantCulture),
            r.Size.ToString(CultureInfo.InvariantCulture),
            r.MsgsPerSec.ToString("N0", CultureInfo.InvariantCulture),
            r.AllocatedBytesPerMessage?.ToString("N0", CultureInfo.InvariantCulture) ?? "-",
            r.CpuMicrosecondsPerMessage?.ToString("N0", CultureInfo.InvariantCulture) ?? "-",
            Ratio(r, results),
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

    private static string Ratio(ThroughputResult result, IReadOnlyList<ThroughputResult> results)
    {
        var baseline = results.FirstOrDefault(r => r.Mode == MailKitReuseMode.ModeName && r.Connections == result.Connections);
        return baseline is null || baseline.MsgsPerSec == 0 ? "-" : (result.MsgsPerSec / baseline.MsgsPerSec).ToString("0.00", CultureInfo.InvariantCulture) + "x";
    }

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
