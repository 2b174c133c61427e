using System.Text.Json.Serialization;
using MailSender.Cli.Probe;

namespace MailSender.Cli.Providers;

/// <summary>One preset as <c>mailsender providers --json</c> prints it.</summary>
/// <param name="Id">The id for <c>relay://ID</c>.</param>
/// <param name="Name">The display name.</param>
/// <param name="Host">The recommended host, or the pattern with <c>&lt;region&gt;</c>.</param>
/// <param name="Port">The recommended port.</param>
/// <param name="Security"><c>implicitTls</c>, <c>startTls</c> or <c>none</c>, as <c>probe</c> spells it.</param>
/// <param name="Aliases">Other accepted names.</param>
/// <param name="Regions">The values of <c>region=</c>.</param>
/// <param name="DefaultRegion">The region used when none is given.</param>
/// <param name="EmailDomains">The mailbox domains the provider hosts.</param>
/// <param name="UserName">The literal user name the provider requires, if any.</param>
/// <param name="OAuth"><c>required</c>, <c>supported</c> or <c>none</c>.</param>
/// <param name="Documentation">The documentation link.</param>
/// <param name="SpfInclude">The domain the provider documents for your SPF record (<c>include:</c>), if any; <c>mailsender doctor --transport relay://ID</c> checks it.</param>
internal sealed record ProviderDocument(
    string Id,
    string Name,
    string Host,
    int Port,
    string Security,
    IReadOnlyList<string> Aliases,
    IReadOnlyList<string> Regions,
    string? DefaultRegion,
    IReadOnlyList<string> EmailDomains,
    string? UserName,
    [property: JsonPropertyName("oauth")] string OAuth,
    string Documentation,
    string? SpfInclude)
{
    public static ProviderDocument From(SmtpProvider provider) => new(
        provider.Id,
        provider.Name,
        provider.Host,
        provider.Port,
        ProbeReportDocument.SecurityName(provider.Security),
        provider.Aliases,
        provider.Regions,
        provider.DefaultRegion,
        provider.EmailDomains,
        provider.UserName,
        provider.RequiresOAuth ? "required" : provider.SupportsOAuth ? "supported" : "none",
        provider.Documentation.ToString(),
        provider.SpfInclude);
}
