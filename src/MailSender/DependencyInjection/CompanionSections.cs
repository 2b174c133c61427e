using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace MailSender.DependencyInjection;

/// <summary>
/// The <c>MailSender</c> section without the subsections that companion packages bind themselves (<c>Outbox</c>, from
/// MailSender.Outbox; <c>Templates</c>, from MailSender.Templates) or that their own registration binds (<c>Unsubscribe</c> and <c>Suppression</c>, from <c>AddOneClickUnsubscribe</c> and <c>AddSuppressionList</c>; <c>Bounces</c>, from MailSender.Deliverability's <c>AddBounceProcessing</c>), so that binding <see cref="MailSenderOptions"/> with unknown keys as errors does not refuse them.
/// </summary>
internal sealed class CompanionSections(IConfiguration inner) : IConfiguration
{
    /// <summary>Subsections of <c>MailSender</c> that belong to other packages.</summary>
    private static readonly string[] Reserved = ["Outbox", "Templates", "Unsubscribe", "Suppression", "Bounces"];

    public string? this[string key]
    {
        get => inner[key];
        set => inner[key] = value;
    }

    public IEnumerable<IConfigurationSection> GetChildren() =>
        inner.GetChildren().Where(child => !Reserved.Contains(child.Key, StringComparer.OrdinalIgnoreCase));

    public IChangeToken GetReloadToken() => inner.GetReloadToken();

    public IConfigurationSection GetSection(string key) => inner.GetSection(key);
}
