using System.Reflection;
using Microsoft.Extensions.Logging;

namespace MailSender.Tests.Diagnostics;

/// <summary>Every [LoggerMessage] event of the library has a unique id, and docs/telemetry.md lists it with its name and level.</summary>
public sealed class LogEventCatalogTests
{
    private static readonly LoggerMessageAttribute[] Events = typeof(IEmailSender).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
        .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
        .Where(x => x.Attribute is not null)
        .Select(x =>
        {
            x.Attribute!.EventName ??= x.Method.Name;
            return x.Attribute;
        })
        .ToArray();

    [Fact]
    public void LoggerMessages_HaveUniqueIds()
    {
        Assert.NotEmpty(Events);
        var duplicates = Events.GroupBy(e => e.EventId).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        Assert.Empty(duplicates);
    }

    [Fact]
    public void LoggerMessages_AreListedInTheTelemetryDocs()
    {
        var docs = TelemetryDocs.Text;

        Assert.All(Events, e => Assert.Contains(TelemetryDocs.Row(e.EventId, e.EventName!, e.Level), docs, StringComparison.Ordinal));
    }

    [Fact]
    public void TelemetryDocs_ListsOnlyEventsTheLibraryLogs()
    {
        // The parsed table is what LoggingTests accepts as documented: it must hold every row and nothing stale.
        var documented = TelemetryDocs.LogEvents;

        Assert.Equal(Events.Select(e => e.EventId).Order(), documented.Select(d => d.Id).Order());
        Assert.All(documented, d => Assert.Contains(Events, e => e.EventId == d.Id && e.EventName == d.Name && e.Level == d.Level));
    }
}
