using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace MailSender.Outbox.Tests.Suppression;

/// <summary>
/// What every <see cref="IEmailSuppressionList"/> must do, through the interface as an application resolves it: the core's
/// in-memory list (<c>AddSuppressionList()</c>) sets the rules, and the outbox's list
/// (<c>AddOutbox(...).AddSuppressionList()</c>) must follow them on SQLite and on PostgreSQL.
/// </summary>
public abstract class SuppressionListConformanceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 9, 30, 15, 123, TimeSpan.Zero);
    private readonly List<ServiceProvider> _providers = [];

    /// <summary>Registers the list under test on <paramref name="services"/>, on a database of its own.</summary>
    private protected abstract Task RegisterAsync(IServiceCollection services, string pickupFolder);

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task Find_ComparesAddressesWithoutCase_AndListsExactly()
    {
        var list = await NewListAsync();
        await list.AddAsync(new EmailSuppression("Ann@Example.com", SuppressionReason.Unsubscribed, "news"));

        Assert.NotNull(await list.FindAsync("ann@EXAMPLE.COM", "news"));
        Assert.Null(await list.FindAsync("ann@example.com", "News"));
        Assert.Null(await list.FindAsync("ann@example.com", "news "));
        Assert.Null(await list.FindAsync("ann@example.com", "offers"));
        Assert.Null(await list.FindAsync("ann@example.com", null));
        Assert.Null(await list.FindAsync("ann@example.org", "news"));
    }

    [SkippableFact]
    public async Task GlobalEntry_SuppressesEveryList_AndMailOfNoList_BeforeAListEntry()
    {
        var list = await NewListAsync();
        await list.AddAsync(new EmailSuppression("bob@example.com", SuppressionReason.Unsubscribed, "news") { Detail = "list" });
        await list.AddAsync(new EmailSuppression("bob@example.com", SuppressionReason.HardBounce) { Detail = "global" });

        Assert.Equal("global", (await list.FindAsync("bob@example.com", null))?.Detail);
        Assert.Equal("global", (await list.FindAsync("bob@example.com", "offers"))?.Detail);
        Assert.Equal("global", (await list.FindAsync("BOB@example.com", "news"))?.Detail);
    }

    [SkippableFact]
    public async Task Find_ReturnsTheEntryAsAdded()
    {
        var list = await NewListAsync();
        await list.AddAsync(new EmailSuppression("Carol@Example.com", SuppressionReason.Complaint, "news") { Detail = "abuse report", CreatedAt = T0 });

        var found = await list.FindAsync("carol@example.com", "news");

        Assert.NotNull(found);
        Assert.Equal(("Carol@Example.com", SuppressionReason.Complaint, (string?)"news", (string?)"abuse report", T0), (found.Address, found.Reason, found.List, found.Detail, found.CreatedAt));
        Assert.Null((await FindAfterAddingAsync(list, new EmailSuppression("dave@example.com", SuppressionReason.Manual)))!.Detail);
    }

    [SkippableTheory]
    [InlineData(SuppressionReason.Unsubscribed)]
    [InlineData(SuppressionReason.HardBounce)]
    [InlineData(SuppressionReason.Complaint)]
    [InlineData(SuppressionReason.Manual)]
    public async Task Reason_IsKept(SuppressionReason reason)
    {
        var list = await NewListAsync();

        Assert.Equal(reason, (await FindAfterAddingAsync(list, new EmailSuppression("erin@example.com", reason)))!.Reason);
    }

    [SkippableFact]
    public async Task Add_Again_KeepsTheFirstEntry_ForTheSameAddressAndList()
    {
        var list = await NewListAsync();
        await list.AddAsync(new EmailSuppression("frank@example.com", SuppressionReason.HardBounce) { Detail = "5.1.1", CreatedAt = T0 });
        await list.AddAsync(new EmailSuppression("FRANK@example.com", SuppressionReason.Complaint) { Detail = "abuse", CreatedAt = T0.AddDays(1) });
        await list.AddAsync(new EmailSuppression("frank@example.com", SuppressionReason.Unsubscribed, "news") { CreatedAt = T0.AddDays(2) });

        var global = await list.FindAsync("frank@example.com", null);
        Assert.Equal(("frank@example.com", SuppressionReason.HardBounce, (string?)"5.1.1", T0), (global!.Address, global.Reason, global.Detail, global.CreatedAt));

        // The list entry is a second entry, not a change of the global one: removing the global one leaves it.
        Assert.True(await list.RemoveAsync("frank@example.com", null));
        Assert.Equal(SuppressionReason.Unsubscribed, (await list.FindAsync("frank@example.com", "news"))!.Reason);
    }

    [SkippableFact]
    public async Task Add_TheSameEntryConcurrently_KeepsOne()
    {
        var list = await NewListAsync();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => list.AddAsync(new EmailSuppression("gina@example.com", SuppressionReason.Unsubscribed, "news") { Detail = $"#{i}" }).AsTask()));

        Assert.NotNull(await list.FindAsync("gina@example.com", "news"));
        Assert.True(await list.RemoveAsync("gina@example.com", "news"));
        Assert.Null(await list.FindAsync("gina@example.com", "news"));
    }

    [SkippableFact]
    public async Task Remove_TakesOneEntry_ByAddressWithoutCase_AndListExactly()
    {
        var list = await NewListAsync();
        await list.AddAsync(new EmailSuppression("hank@example.com", SuppressionReason.Unsubscribed, "news"));
        await list.AddAsync(new EmailSuppression("hank@example.com", SuppressionReason.Unsubscribed, "offers"));

        Assert.False(await list.RemoveAsync("hank@example.com", null));
        Assert.False(await list.RemoveAsync("hank@example.com", "News"));
        Assert.True(await list.RemoveAsync("HANK@example.com", "news"));
        Assert.False(await list.RemoveAsync("hank@example.com", "news"));

        Assert.Null(await list.FindAsync("hank@example.com", "news"));
        Assert.NotNull(await list.FindAsync("hank@example.com", "offers"));
        Assert.False(await list.RemoveAsync("nobody@example.com", null));
    }

    [SkippableFact]
    public async Task Addresses_AreTrimmed_ForFindAddAndRemove()
    {
        var list = await NewListAsync();
        await list.AddAsync(new EmailSuppression(" ivy@example.com\t", SuppressionReason.Manual));

        Assert.NotNull(await list.FindAsync("ivy@example.com", null));
        Assert.NotNull(await list.FindAsync("  IVY@example.com ", "news"));
        Assert.True(await list.RemoveAsync(" ivy@example.com ", null));
        Assert.Null(await list.FindAsync("ivy@example.com", null));
    }

    /// <summary>
    /// Beyond ASCII the lists must agree with ordinal ignore-case, the in-memory list's comparer: the same letter in
    /// either case matches, look-alikes do not (the Kelvin sign is not K, the long s is not S, the sharp s is not ss).
    /// </summary>
    [SkippableTheory]
    [InlineData("JÖRG@EXAMPLE.COM", "jörg@example.com")]
    [InlineData("ΑΝΝΑ@example.gr", "αννα@example.gr")]
    [InlineData("\u00B5@example.com", "\u03BC@example.com")] // micro sign and Greek mu: the same upper case, Μ
    [InlineData("\u00B5@example.com", "\u039C@example.com")]
    [InlineData("\u212Aate@example.com", "kate@example.com")] // Kelvin sign
    [InlineData("\u017Fam@example.com", "sam@example.com")] // long s
    [InlineData("stra\u00DFe@example.de", "strasse@example.de")]
    [InlineData("\u1E9E@example.de", "\u00DF@example.de")] // capital and small sharp s
    [InlineData("\u0130@example.com", "i@example.com")] // Turkish dotted capital I
    [InlineData("\u0131@example.com", "I@example.com")] // Turkish dotless small i
    [InlineData("\U00010400@example.com", "\U00010428@example.com")] // Deseret, outside the BMP
    public async Task Find_BeyondAscii_MatchesExactlyWhenOrdinalIgnoreCaseDoes(string added, string looked)
    {
        var list = await NewListAsync();
        await list.AddAsync(new EmailSuppression(added, SuppressionReason.Manual));

        var expected = string.Equals(added, looked, StringComparison.OrdinalIgnoreCase);

        Assert.Equal(expected, await list.FindAsync(looked, null) is not null);
        Assert.Equal(expected, await list.RemoveAsync(looked, null));
    }

    [SkippableTheory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task EmptyAddress_IsRefused(string address)
    {
        var list = await NewListAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => list.FindAsync(address, null).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => list.RemoveAsync(address, null).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => list.FindAsync(null!, null).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => list.AddAsync(null!).AsTask());
    }

    [SkippableTheory]
    [InlineData("eve@example.com\r\nBcc: x@example.com")]
    [InlineData("eve@example.com\n")]
    [InlineData("eve\r@example.com")]
    public async Task AddressWithALineBreak_IsRefused_NamingTheProblem(string address)
    {
        var list = await NewListAsync();

        var add = await Assert.ThrowsAsync<ArgumentException>(() => list.AddAsync(new EmailSuppression(address, SuppressionReason.Manual)).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => list.FindAsync(address, null).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => list.RemoveAsync(address, null).AsTask());

        Assert.Contains("line break", add.Message, StringComparison.Ordinal);
        Assert.Null(await list.FindAsync("eve@example.com", null));
    }

    private static async Task<EmailSuppression?> FindAfterAddingAsync(IEmailSuppressionList list, EmailSuppression entry)
    {
        await list.AddAsync(entry);
        return await list.FindAsync(entry.Address, entry.List);
    }

    private protected async Task<IEmailSuppressionList> NewListAsync()
    {
        var services = new ServiceCollection();
        var folder = Path.Combine(Path.GetTempPath(), "mailsender-suppression-" + Guid.NewGuid().ToString("N"));
        await RegisterAsync(services, folder);
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider.GetRequiredService<IEmailSuppressionList>();
    }
}
