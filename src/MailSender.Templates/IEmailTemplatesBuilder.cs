using Microsoft.Extensions.DependencyInjection;

namespace MailSender.Templates;

/// <summary>Adds template sources and engines after <c>services.AddMailSenderTemplates(...)</c>.</summary>
public interface IEmailTemplatesBuilder
{
    /// <summary>The application's services.</summary>
    IServiceCollection Services { get; }
}
