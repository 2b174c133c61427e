using Microsoft.Extensions.DependencyInjection;

namespace MailSender.Outbox.Tests.Suppression;

/// <summary>The core's in-memory list: the reference the others follow.</summary>
public sealed class InMemorySuppressionListConformanceTests : SuppressionListConformanceTests
{
    private protected override Task RegisterAsync(IServiceCollection services, string pickupFolder)
    {
        services.AddSuppressionList();
        return Task.CompletedTask;
    }
}
