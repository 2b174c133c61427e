using Microsoft.Extensions.DependencyInjection;

namespace MailSender.Templates.DependencyInjection;

/// <summary>The builder <c>AddMailSenderTemplates</c> returns.</summary>
internal sealed class EmailTemplatesBuilder(IServiceCollection services) : IEmailTemplatesBuilder
{
    public IServiceCollection Services { get; } = services;
}
