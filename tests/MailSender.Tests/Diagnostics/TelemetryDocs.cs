using System.Text.RegularExpressions;
using MailSender.TestSupport;
using Microsoft.Extensions.Logging;

namespace MailSender.Tests.Diagnostics;

/// <summary>docs/telemetry.md and the log events its table lists, read once for the tests that check the code against it.</summary>
internal static partial class TelemetryDocs
{
    private static readonly Lazy<string> TextOnce = new(() => File.ReadAllText(RepositoryFiles.PathOf("docs/telemetry.md")));

    private static readonly Lazy<DocumentedLogEvent[]> EventsOnce = new(() => [.. EventRow().Matches(Text).Select(m => new DocumentedLogEvent(
        int.Parse(m.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture),
        m.Groups["name"].Value,
        Enum.Parse<LogLevel>(m.Groups["level"].Value)))]);

    /// <summary>Gets the text of docs/telemetry.md.</summary>
    public static string Text => TextOnce.Value;

    /// <summary>Gets the rows of the log event table: <c>| id | `Name` | Level | message |</c>.</summary>
    public static IReadOnlyList<DocumentedLogEvent> LogEvents => EventsOnce.Value;

    /// <summary>The table row of one event, as <see cref="LogEventCatalogTests"/> expects it for every [LoggerMessage].</summary>
    public static string Row(int id, string name, LogLevel level) => $"| {id} | `{name}` | {level} |";

    [GeneratedRegex(@"^\| (?<id>\d+) \| `(?<name>[A-Za-z]+)` \| (?<level>Trace|Debug|Information|Warning|Error|Critical) \|", RegexOptions.Multiline)]
    private static partial Regex EventRow();
}

/// <summary>One row of the log event table in docs/telemetry.md.</summary>
internal sealed record DocumentedLogEvent(int Id, string Name, LogLevel Level);
