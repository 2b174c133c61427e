using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MailSender.HealthChecks.Tests;

/// <summary>The health check verifies a sender's transport without sending: healthy when the server answers, unhealthy with the hint when not.</summary>
public class EmailSenderHealthCheckTests
{
    [Fact]
    public async Task HealthCheck_ServerUp_IsHealthy_ServerDown_IsUnhealthyWithHint()
    {
        await using var server = ScriptedSmtpServer.Start();
        var closed = LoopbackPorts.Closed();
        await using var up = MailSenderHost.Build(o => o.Transport = TestTransports.Smtp(server.Port, "security=none"), build: b => b.Services.AddLogging().AddHealthChecks().AddMailSender(tags: ["ready"]));
        await using var down = MailSenderHost.Build(o => o.Transport = TestTransports.Smtp(closed, "security=none"), build: b => b.Services.AddLogging().AddHealthChecks().AddMailSender());

        var healthy = await up.Provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        var unhealthy = await down.Provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        var entry = Assert.Single(healthy.Entries);
        Assert.Equal("mailsender", entry.Key);
        Assert.Equal(HealthStatus.Healthy, entry.Value.Status);
        Assert.Contains("ready", entry.Value.Tags);
        Assert.Empty(server.CommandsStartingWith("MAIL"));
        var failed = Assert.Single(unhealthy.Entries).Value;
        Assert.Equal(HealthStatus.Unhealthy, failed.Status);
        Assert.Contains("refused the connection", failed.Description, StringComparison.Ordinal);
        Assert.Contains("Nothing is listening", failed.Description, StringComparison.Ordinal);
        Assert.Equal(nameof(EmailErrorKind.ConnectionFailed), failed.Data["kind"]);
    }

    [Fact]
    public async Task HealthCheck_NamedSender_ChecksThatSenderUnderItsOwnName()
    {
        await using var server = ScriptedSmtpServer.Start();
        var services = new ServiceCollection().AddLogging();
        services.AddMailSender(o => o.Transport = TestTransports.Smtp(LoopbackPorts.Closed(), "security=none"));
        services.AddMailSender("bulk", o => o.Transport = TestTransports.Smtp(server.Port, "security=none"));
        services.AddHealthChecks().AddMailSender("bulk");
        await using var provider = services.BuildServiceProvider();

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        var entry = Assert.Single(report.Entries);
        Assert.Equal("mailsender-bulk", entry.Key);
        Assert.Equal(HealthStatus.Healthy, entry.Value.Status);
        Assert.Single(server.CommandsStartingWith("QUIT"));
    }

    [Fact]
    public async Task HealthCheck_InvalidOptions_IsUnhealthyNamingTheSetting()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMailSender(o => o.Transport = "smtp://127.0.0.1:25?timout=1s");
        services.AddHealthChecks().AddMailSender(failureStatus: HealthStatus.Degraded);
        await using var provider = services.BuildServiceProvider();

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        var entry = Assert.Single(report.Entries).Value;
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("timout", entry.Description, StringComparison.Ordinal);
    }
}
