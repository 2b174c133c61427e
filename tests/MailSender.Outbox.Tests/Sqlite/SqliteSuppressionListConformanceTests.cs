using MailSender.Outbox.Suppression;
using MailSender.Outbox.Tests.Suppression;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace MailSender.Outbox.Tests.Sqlite;

/// <summary>The outbox's list on SQLite, registered by <c>AddOutbox(...).AddSuppressionList()</c>.</summary>
public sealed class SqliteSuppressionListConformanceTests : SuppressionListConformanceTests, IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private protected override Task RegisterAsync(IServiceCollection services, string pickupFolder)
    {
        services.AddMailSender(o => o.Transport = "pickup:" + pickupFolder)
            .AddOutbox(o => o.Store = "sqlite:" + _folder.File($"outbox-{Guid.NewGuid():N}.db"))
            .AddSuppressionList();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task TheList_IsTheOutboxOne()
    {
        Assert.IsType<OutboxSuppressionList>(await NewListAsync());
    }
}
