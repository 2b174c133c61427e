using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MailSender.Benchmarks.Outbox;

/// <summary>A row's result: medians over the timed rounds, their spread, and the first (cold) run apart.</summary>
internal sealed record OutboxSummary(
    string Benchmark,
    string Mode,
    string? Store,
    int Concurrency,
    int Messages,
    double MsgsPerSec,
    double MsgsPerSecMin,
    double MsgsPerSecMax,
    double? FirstRoundMsgsPerSec,
    double CpuMicrosecondsPerMessage,
    double? MachineCpuMicrosecondsPerMessage,
    double? EnqueuePhaseMsgsPerSec,
    double? PollShare,
    IReadOnlyList<double> PerRoundMsgsPerSec)
{
    /// <summary>Gets the end-to-end rate over the direct baseline's, round by round: median, min, max.</summary>
    public (double Median, double Min, double Max)? RatioToDirect { get; init; }

    /// <summary>Gets the first (cold) run's ratio to the direct baseline's first run.</summary>
    public double? FirstRoundRatioToDirect { get; init; }

    public double? Target { get; init; }

    /// <summary>Gets whether the median meets <see cref="Target"/> (msg/s for enqueue, the ratio for end-to-end).</summary>
    public bool? TargetMet => Target is not { } target ? null : (Benchmark == "enqueue" ? MsgsPerSec : RatioToDirect?.Median) is { } value ? value >= target : null;
}

/// <summary>Prints the <c>outbox</c> command's results: two markdown tables and the JSON.</summary>
internal static class OutboxReport
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    };

    public static List<OutboxSummary> Summarise(IReadOnlyList<OutboxRow> rows)
    {
        var direct = rows.FirstOrDefault(r => r.Mode == "direct");
        var summaries = new List<OutboxSummary>();
        foreach (var row in rows)
        {
            var rounds = row.Rounds.OfType<OutboxMeasurement>().ToList();
            if (rounds.Count == 0)
            {
                continue;
            }

            var rates = rounds.Select(m => m.MessagesPerSecond).ToList();
            (double, double, double)? ratio = null;
            double? firstRatio = null;
            if (row.Benchmark == "end-to-end" && direct is not null && row != direct)
            {
                var perRound = Enumerable.Range(0, Math.Min(row.Rounds.Count, direct.Rounds.Count))
                    .Where(i => row.Rounds[i] is not null && direct.Rounds[i] is not null)
                    .Select(i => row.Rounds[i]!.MessagesPerSecond / direct.Rounds[i]!.MessagesPerSecond)
                    .ToList();
                if (perRound.Count > 0)
                {
                    ratio = (Median(perRound), perRound.Min(), perRound.Max());
                }

                if (row.First is { } first && direct.First is { } directFirst)
                {
                    firstRatio = first.MessagesPerSecond / directFirst.MessagesPerSecond;
                }
            }

            var enqueuePhase = rounds.Where(m => m.EnqueueMessagesPerSecond is not null).Select(m => m.EnqueueMessagesPerSecond!.Value).ToList();
            var machine = rounds.Where(m => m.MachineCpuMicrosecondsPerMessage is not null).Select(m => m.MachineCpuMicrosecondsPerMessage!.Value).ToList();
            var polls = rounds.Where(m => m.PollShare is not null).Select(m => m.PollShare!.Value).ToList();
            summaries.Add(new OutboxSummary(
                row.Benchmark,
                row.Mode,
                row.Store,
                row.Concurrency,
                (int)Median(rounds.Select(m => (double)m.Messages).ToList()),
                Math.Round(Median(rates), 1),
                Math.Round(rates.Min(), 1),
                Math.Round(rates.Max(), 1),
                row.First is { } cold ? Math.Round(cold.MessagesPerSecond, 1) : null,
                Math.Round(Median(rounds.Select(m => m.CpuMicrosecondsPerMessage).ToList())),
                machine.Count == 0 ? null : Math.Round(Median(machine)),
                enqueuePhase.Count == 0 ? null : Math.Round(Median(enqueuePhase), 1),
                polls.Count == 0 ? null : Math.Round(Median(polls), 3),
                [.. rates.Select(r => Math.Round(r, 1))])
            {
                RatioToDirect = ratio is { } r ? (Math.Round(r.Item1, 3), Math.Round(r.Item2, 3), Math.Round(r.Item3, 3)) : null,
                FirstRoundRatioToDirect = firstRatio is { } f ? Math.Round(f, 3) : null,
                Target = row.Target,
            });
        }

        return summaries;
    }

    public static string ToJson(IReadOnlyList<OutboxSummary> results) => JsonSerializer.Serialize(results.Select(r => new
    {
        r.Benchmark,
        r.Mode,
        r.Store,
        r.Concurrency,
        r.Messages,
        r.MsgsPerSec,
        r.MsgsPerSecMin,
        r.MsgsPerSecMax,
        r.FirstRoundMsgsPerSec,
        r.PerRoundMsgsPerSec,
        r.CpuMicrosecondsPerMessage,
        r.MachineCpuMicrosecondsPerMessage,
        r.EnqueuePhaseMsgsPerSec,
        r.PollShare,
        RatioToDirect = r.RatioToDirect?.Median,
        RatioToDirectMin = r.RatioToDirect?.Min,
        RatioToDirectMax = r.RatioToDirect?.Max,
        r.FirstRoundRatioToDirect,
        r.Target,
        r.TargetMet,
    }), JsonOptions);

    public static string ToTables(IReadOnlyList<OutboxSummary> results)
    {
        var text = new StringBuilder();
        var enqueue = results.Where(r => r.Benchmark == "enqueue").ToList();
        if (enqueue.Count > 0)
        {
            text.AppendLine("Enqueue (IEmailOutbox.EnqueueAsync until durably committed; worker not running):").AppendLine();
            Table(
                text,
                leftColumns: 1,
                ["store", "producers", "msg/s", "min-max", "first round", "client CPU us/msg", "machine CPU us/msg", "target", "verdict"],
                enqueue.Select(r => new[]
                {
                    r.Store ?? "-",
                    Number(r.Concurrency),
                    Rate(r.MsgsPerSec),
                    Rate(r.MsgsPerSecMin) + "-" + Rate(r.MsgsPerSecMax),
                    r.FirstRoundMsgsPerSec is { } first ? Rate(first) : "-",
                    Number(r.CpuMicrosecondsPerMessage),
                    r.MachineCpuMicrosecondsPerMessage is { } machine ? Number(machine) : "-",
                    r.Target is { } target ? ">= " + Number(target) : "-",
                    Verdict(r, r.MsgsPerSec),
                }));
        }

        var endToEnd = results.Where(r => r.Benchmark == "end-to-end").ToList();
        if (endToEnd.Count > 0)
        {
            if (text.Length > 0)
            {
                text.AppendLine();
            }

            text.AppendLine("End-to-end against smtp-sink (direct: pooled IEmailSender; outbox: first enqueue until all sent; drain: all queued, worker started until all sent):").AppendLine();
            Table(
                text,
                leftColumns: 2,
                ["mode", "store", "concurrency", "msg/s", "min-max", "first round", "enqueue phase msg/s", "client CPU us/msg", "machine CPU us/msg", "status polls", "vs direct (median, min-max)", "first round vs direct", "target", "verdict"],
                endToEnd.Select(r => new[]
                {
                    r.Mode,
                    r.Store ?? "-",
                    Number(r.Concurrency),
                    Rate(r.MsgsPerSec),
                    Rate(r.MsgsPerSecMin) + "-" + Rate(r.MsgsPerSecMax),
                    r.FirstRoundMsgsPerSec is { } first ? Rate(first) : "-",
                    r.EnqueuePhaseMsgsPerSec is { } phase ? Rate(phase) : "-",
                    Number(r.CpuMicrosecondsPerMessage),
                    r.MachineCpuMicrosecondsPerMessage is { } machine ? Number(machine) : "-",
                    r.PollShare is { } poll ? poll.ToString("P0", CultureInfo.InvariantCulture) + " of the time" : "-",
                    r.RatioToDirect is { } ratio ? $"{Ratio(ratio.Median)} ({Ratio(ratio.Min)}-{Ratio(ratio.Max)})" : "-",
                    r.FirstRoundRatioToDirect is { } firstRatio ? Ratio(firstRatio) : "-",
                    r.Target is { } target ? ">= " + Ratio(target) : "-",
                    Verdict(r, r.RatioToDirect?.Median),
                }));
        }

        return text.ToString();
    }

    private static string Verdict(OutboxSummary result, double? value) => (result.Target, value) switch
    {
        (null, _) => "-",
        (_, null) => "no value",
        ({ } target, { } v) when v >= target => "met",
        ({ } target, { } v) => $"missed by {(1 - (v / target)).ToString("P0", CultureInfo.InvariantCulture)}",
    };

    private static void Table(StringBuilder text, int leftColumns, string[] header, IEnumerable<string[]> rows)
    {
        text.Append("| ").AppendJoin(" | ", header).AppendLine(" |");
        text.Append('|').AppendJoin('|', header.Select((_, i) => i < leftColumns ? " --- " : " ---: ")).AppendLine("|");
        foreach (var row in rows)
        {
            text.Append("| ").AppendJoin(" | ", row).AppendLine(" |");
        }
    }

    private static string Rate(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ratio(double value) => value.ToString("0.00", CultureInfo.InvariantCulture) + "x";

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
