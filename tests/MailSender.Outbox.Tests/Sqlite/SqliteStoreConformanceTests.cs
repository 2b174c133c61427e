using MailSender.Outbox.Sqlite;
using MailSender.Outbox.Storage;

namespace MailSender.Outbox.Tests.Sqlite;

public sealed class SqliteStoreConformanceTests : StoreConformanceTests, IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    internal override Task<IOutboxStore> CreateStoreAsync(OutboxOptions options) =>
        Task.FromResult<IOutboxStore>(new SqliteOutboxStore(_folder.File($"outbox-{Guid.NewGuid():N}.db"), options));
}
