using MailSender.Outbox.PostgreSql;
using MailSender.Outbox.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace MailSender.Outbox.Tests.PostgreSql;

/// <summary>The PostgreSQL store's configuration, without a server: connection strings and URIs, registration, and an unreachable server.</summary>
public sealed class PostgreSqlConfigurationTests
{
    private const string Password = "s3cret-Pa55:word@x";

    [Fact]
    public void Parse_ConnectionString_IsTakenAsNpgsqlReadsIt()
    {
        var builder = PostgreSqlLocation.Parse("Host=db.internal;Port=6432;Database=app;Username=mailer;Password=pw;Search Path=outbox", "d");

        Assert.Equal(("db.internal", 6432, "app", "mailer", "pw", "outbox"), (builder.Host, builder.Port, builder.Database, builder.Username, builder.Password, builder.SearchPath));
    }

    [Theory]
    [InlineData("postgres://")]
    [InlineData("postgresql://")]
    [InlineData("//")]
    public void Parse_Uri_DecodesUserPasswordAndDatabase_AndMapsLibpqParameters(string prefix)
    {
        var builder = PostgreSqlLocation.Parse(
            prefix + "mail%40er:" + Uri.EscapeDataString(Password) + "@db.example.com:6543/app%20db?sslmode=require&application_name=web%201&connect_timeout=7&target_session_attrs=read-write",
            "d");

        Assert.Equal("mail@er", builder.Username);
        Assert.Equal(Password, builder.Password);
        Assert.Equal(("db.example.com", 6543, "app db"), (builder.Host, builder.Port, builder.Database));
        Assert.Equal(SslMode.Require, builder.SslMode);
        Assert.Equal("web 1", builder.ApplicationName);
        Assert.Equal(7, builder.Timeout);
        Assert.Equal("read-write", builder.TargetSessionAttributes);
    }

    [Fact]
    public void Parse_Uri_WithSeveralHostsAndIPv6_GivesNpgsqlsHostList()
    {
        Assert.Equal("[::1]:6000,db2:6001,db3", PostgreSqlLocation.Parse("postgres://[::1]:6000,db2:6001,db3/app", "d").Host);
        var single = PostgreSqlLocation.Parse("postgres://[::1]:6000/app", "d");
        Assert.Equal(("::1", 6000), (single.Host, single.Port));
    }

    [Fact]
    public void Parse_Uri_TakesNpgsqlKeywordsToo()
    {
        var builder = PostgreSqlLocation.Parse("postgres://u@h/d?Search%20Path=outbox&Maximum%20Pool%20Size=5", "d");

        Assert.Equal(("outbox", 5), (builder.SearchPath, builder.MaxPoolSize));
    }

    [Fact]
    public void Parse_Uri_WithUnknownParameters_NamesThem_NotThePassword()
    {
        var description = PostgreSqlLocation.Describe($"//u:{Password}@h/d?foo=1&sslmode=require&bar_baz=2");

        var error = Assert.Throws<EmailSendException>(() => PostgreSqlLocation.Parse($"//u:{Password}@h/d?foo=1&sslmode=require&bar_baz=2", description));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("parameters neither libpq nor Npgsql knows: foo, bar_baz", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("postgres://u:***@h/d", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres://u@h/d?sslmode=sometimes", "sslmode=sometimes")]
    [InlineData("postgres://u@h:99999/d", "port '99999'")]
    [InlineData("postgres:///d", "names no host")]
    [InlineData("Database=d;Username=u", "names no host")]
    [InlineData("Host=h;Colour=blue;Password=pw", "Couldn't set colour")]
    [InlineData("", "has no connection string")]
    public void Parse_Invalid_IsAConfigurationError(string location, string expected)
    {
        var error = Assert.Throws<EmailSendException>(() => PostgreSqlLocation.Parse(location, PostgreSqlLocation.Describe(location)));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains(expected, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("=pw", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=h;Password=" + Password + ";Database=d", "postgres:Host=h;Password=***;Database=d")]
    [InlineData("//u:pw@h/d", "postgres://u:***@h/d")]
    [InlineData("postgresql://u:pw@h/d", "postgresql://u:***@h/d")]
    public void Describe_NeverShowsThePassword(string location, string expected) =>
        Assert.Equal(expected, PostgreSqlLocation.Describe(location));

    [Theory]
    [InlineData("postgres:Host=h;Database=d")]
    [InlineData("postgres://u@h/d")]
    [InlineData("postgresql://u@h/d")]
    public async Task StoreLocation_OpensPostgresStores_WithoutTouchingTheDatabase(string store)
    {
        await using var opened = StoreLocation.Open(store, [new PostgreSqlStoreProvider()], new OutboxOptions(), TimeProvider.System);

        Assert.IsType<PostgreSqlOutboxStore>(opened);
        Assert.Equal("postgres", opened.Kind);
    }

    [Fact]
    public void AddPostgreSql_RegistersTheProviderOnce()
    {
        var services = new ServiceCollection();
        var builder = new Builder(services);

        Assert.Same(builder, builder.AddPostgreSql().AddPostgreSql());

        using var provider = services.BuildServiceProvider();
        Assert.IsType<PostgreSqlStoreProvider>(Assert.Single(provider.GetServices<IOutboxStoreProvider>()));
    }

    [Fact]
    public async Task UnreachableServer_IsATransientStorageError_NamingHostAndPort_NotThePassword()
    {
        var location = $"Host=127.0.0.1;Port=1;Database=app;Username=mailer;Password={Password};Timeout=3";
        await using var store = new PostgreSqlOutboxStore(location, new OutboxOptions());

        var open = await Assert.ThrowsAsync<EmailSendException>(() => store.InitializeAsync(default));
        var enqueue = await Assert.ThrowsAsync<EmailSendException>(() => store.EnqueueAsync(StoreConformanceTests.Message(DateTimeOffset.UnixEpoch), null, default));

        foreach (var error in new[] { open, enqueue })
        {
            Assert.Equal(EmailErrorKind.StorageFailed, error.Kind);
            Assert.True(error.IsTransient);
            Assert.Contains("PostgreSQL at 127.0.0.1:1 is unreachable", error.Message, StringComparison.Ordinal);
            Assert.StartsWith("PostgreSQL at 127.0.0.1:1 is unreachable: ", error.Hint, StringComparison.Ordinal);
            Assert.Contains("postgres:Host=127.0.0.1;Port=1;Database=app;Username=mailer;Password=***;Timeout=3", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cret", error.ToString(), StringComparison.Ordinal);
        }

        Assert.Contains("store the message", enqueue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_OnAnUnreachableServer_KeepsTryingInTheBackground_AndStopsWhenDisposed()
    {
        await using var store = new PostgreSqlOutboxStore("Host=127.0.0.1;Port=1;Database=app;Username=mailer;Timeout=3", new OutboxOptions());

        var listener = await store.ListenAsync(() => { }, default);

        Assert.NotNull(listener);
        await listener.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
    }

    private sealed class Builder(IServiceCollection services) : IOutboxBuilder
    {
        public IServiceCollection Services => services;
    }
}
