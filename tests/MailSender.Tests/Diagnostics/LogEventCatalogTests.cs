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
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "telemetry.md"));

        Assert.All(Events, e => Assert.Contains($"| {e.EventId} | `{e.EventName}` | {e.Level} |", docs, StringComparison.Ordinal));
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MailSender.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("MailSender.sln not found above " + AppContext.BaseDirectory);
    }
}
