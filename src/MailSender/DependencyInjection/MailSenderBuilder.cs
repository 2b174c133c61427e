using Microsoft.Extensions.DependencyInjection;

namespace MailSender.DependencyInjection;

internal sealed class MailSenderBuilder(string name, IServiceCollection services) : IMailSenderBuilder
{
    public string Name { get; } = name;

    public IServiceCollection Services { get; } = services;
}

/// <summary>Marks a sender name as registered, so asking for an unknown name fails clearly.</summary>
internal sealed record MailSenderRegistration(string Name);

/// <summary>Registers a <c>ConfigureResilience</c> callback for one named sender.</summary>
internal sealed record ResilienceConfiguration(string Name, Action<Polly.ResiliencePipelineBuilder<SendResult>, IServiceProvider> Configure);
