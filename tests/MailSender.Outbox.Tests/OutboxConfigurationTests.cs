using MailSender.Outbox.Delivery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace MailSender.Outbox.Tests;

/// <summary>The outbox configured as users write it: <c>MailSender:Outbox</c> inside the sender's own section.</summary>
public sealed class OutboxConfigurationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task OutboxSection_InsideTheMailSenderSection_BindsBoth()
    {
        await using var provider = Build(new()
        {
            ["MailSender:Transport"] = "pickup:" + _folder.File("pickup"),
            ["MailSender:Outbox:Store"] = "sqlite:" + _folder.File("outbox.db"),
            ["MailSender:Outbox:Concurrency"] = "4",
            ["MailSender:Outbox:MaximalLifetime"] = "1.00:00:00",
            ["MailSender:Outbox:QueueSends"] = "true",
        });

        var options = provider.GetRequiredService<IOptions<OutboxOptions>>().Value;
        var sender = provider.GetRequiredService<IOptionsMonitor<MailSenderOptions>>().Get(Options.DefaultName);

        Assert.Equal((4, TimeSpan.FromDays(1), true), (options.Concurrency, options.MaximalLifetime, options.QueueSends));
        Assert.StartsWith("pickup:", sender.Transport, StringComparison.Ordinal);
        Assert.IsType<OutboxEmailSender>(provider.GetRequiredService<IEmailSender>());
    }

    [Fact]
    public async Task UnknownKeys_AreStillErrors_InBothSections()
    {
        await using var outbox = Build(new() { ["MailSender:Transport"] = "pickup:x", ["MailSender:Outbox:Stroe"] = "sqlite:x.db" });
        await using var sender = Build(new() { ["MailSender:Transport"] = "pickup:x", ["MailSender:Outbux:Store"] = "sqlite:x.db" });

        Assert.Contains("'Stroe'", Assert.Throws<InvalidOperationException>(() => outbox.GetRequiredService<IOptions<OutboxOptions>>().Value).Message, StringComparison.Ordinal);
        Assert.Contains("'Outbux'", Assert.Throws<InvalidOperationException>(() => sender.GetRequiredService<IOptionsMonitor<MailSenderOptions>>().Get(Options.DefaultName)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MailSender:Outbox:Store", "mysql:server=x", "scheme 'mysql' is unknown")]
    [InlineData("MailSender:Outbox:Store", "outbox.db", "not of the form sqlite:PATH")]
    [InlineData("MailSender:Outbox:MaximalBackoff", "00:01:00", "MaximalBackoff (00:01:00) is shorter than MinimalBackoff")]
    [InlineData("MailSender:Outbox:Concurrency", "0", "Concurrency")]
    public async Task BadOptions_StopTheStart_WithTheKeyNamed(string key, string value, string expected)
    {
        await using var provider = Build(new() { ["MailSender:Transport"] = "pickup:x", [key] = value });

        var error = Record.Exception(() =>
        {
            _ = provider.GetRequiredService<IOptions<OutboxOptions>>().Value;
            _ = provider.GetRequiredService<OutboxRuntime>();
        });

        Assert.NotNull(error);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgresStore_WithoutItsPackage_SaysWhatToAdd()
    {
        await using var provider = Build(new() { ["MailSender:Transport"] = "pickup:x", ["MailSender:Outbox:Store"] = "postgres:Host=db;Password=hunter2" });

        var error = Assert.Throws<EmailSendException>(() => provider.GetRequiredService<OutboxRuntime>());

        Assert.Contains("MailSender.Outbox.PostgreSql", error.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddOutbox_RegistersTheWorkerAsAHostedService()
    {
        await using var provider = Build(new() { ["MailSender:Transport"] = "pickup:x", ["MailSender:Outbox:Store"] = "sqlite:" + _folder.File("o.db") });

        Assert.Contains(provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>(), s => s is OutboxWorker);
    }

    [Theory]
    [InlineData("postgres:Host=db;Username=app;Password=s3cret;Database=app", "postgres:Host=db;Username=app;Password=***;Database=app")]
    [InlineData("postgres://app:s3cret@db:5432/app", "postgres://app:***@db:5432/app")]
    [InlineData("sqlite:/var/lib/outbox.db", "sqlite:/var/lib/outbox.db")]
    public void Redact_HidesPasswords(string store, string expected) =>
        Assert.Equal(expected, Storage.StoreLocation.Redact(store));

    private static ServiceProvider Build(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddMailSender(configuration.GetSection("MailSender")).AddOutbox(configuration.GetSection("MailSender:Outbox"));
        return services.BuildServiceProvider();
    }
}
