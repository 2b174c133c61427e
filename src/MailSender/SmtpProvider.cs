using MailSender.Smtp.Providers;

namespace MailSender;

/// <summary>
/// A relay or mailbox provider preset known to MailSender (e.g. <c>sendgrid</c>, <c>gmail</c>, <c>ses</c>): how to reach
/// its SMTP submission service. Use it with <c>relay://ID</c> or <c>UseProvider("ID")</c>; see docs/providers.md.
/// </summary>
public sealed class SmtpProvider
{
    private static readonly Lazy<IReadOnlyList<SmtpProvider>> Presets = new(() => ProviderCatalog.All.Select(p => new SmtpProvider(p)).ToArray());

    private SmtpProvider(ProviderEntry entry)
    {
        Id = entry.Id;
        Name = entry.Name;
        Aliases = entry.Aliases;
        EmailDomains = entry.EmailDomains;
        Host = entry.Host ?? entry.HostPattern ?? string.Empty;
        Port = entry.Port;
        Security = ProviderPresets.Security(entry.Security);
        Regions = entry.Regions.Select(r => r.Id).ToArray();
        DefaultRegion = entry.DefaultRegion;
        UserName = entry.UserName;
        RequiresOAuth = entry.OAuth == "required";
        SupportsOAuth = entry.OAuth != "none";
        Documentation = new Uri(entry.Documentation);
        SpfInclude = entry.SpfInclude;
    }

    /// <summary>Gets every preset, in a stable order.</summary>
    public static IReadOnlyList<SmtpProvider> All => Presets.Value;

    /// <summary>Gets the id used in <c>relay://ID</c>, e.g. <c>sendgrid</c>.</summary>
    public string Id { get; }

    /// <summary>Gets the provider's display name.</summary>
    public string Name { get; }

    /// <summary>Gets other names accepted for <see cref="Id"/>.</summary>
    public IReadOnlyList<string> Aliases { get; }

    /// <summary>Gets the e-mail domains whose mailboxes the provider hosts (e.g. <c>gmail.com</c>); empty for relays.</summary>
    public IReadOnlyList<string> EmailDomains { get; }

    /// <summary>Gets the recommended SMTP host; for providers that need a region, the host pattern with <c>&lt;region&gt;</c> in it.</summary>
    public string Host { get; }

    /// <summary>Gets the recommended port.</summary>
    public int Port { get; }

    /// <summary>Gets the encryption of the recommended port (<see cref="SmtpSecurity.Implicit"/>, <see cref="SmtpSecurity.StartTls"/> or <see cref="SmtpSecurity.None"/>).</summary>
    public SmtpSecurity Security { get; }

    /// <summary>Gets the regions accepted by <c>region=</c>, e.g. <c>eu</c> or <c>eu-west-1</c>; empty when the provider has one host.</summary>
    public IReadOnlyList<string> Regions { get; }

    /// <summary>Gets the region used when none is given, or <see langword="null"/> (none, or one must be given).</summary>
    public string? DefaultRegion { get; }

    /// <summary>Gets the literal user name the provider requires (e.g. SendGrid's <c>apikey</c>), used when none is configured.</summary>
    public string? UserName { get; }

    /// <summary>Gets a value indicating whether the provider accepts only OAuth 2.0 for SMTP (e.g. Outlook.com).</summary>
    public bool RequiresOAuth { get; }

    /// <summary>Gets a value indicating whether the provider accepts OAuth 2.0 for SMTP.</summary>
    public bool SupportsOAuth { get; }

    /// <summary>Gets the page documenting the provider's SMTP settings (the best source the data was checked against).</summary>
    public Uri Documentation { get; }

    /// <summary>
    /// Gets the domain the provider's DNS set-up documentation tells you to include in the SPF record of your sending
    /// (return-path) domain, as in <c>v=spf1 include:sendgrid.net -all</c>; <see langword="null"/> for personal mailboxes
    /// (no domain of your own) and providers that document none. <c>mailsender doctor --transport relay://ID</c> checks it.
    /// </summary>
    public string? SpfInclude { get; }

    /// <summary>Finds a preset by id or alias, ignoring case, spaces, dots and dashes.</summary>
    /// <param name="idOrAlias">E.g. <c>sendgrid</c>, <c>SendGrid</c>, <c>aws-ses</c>.</param>
    /// <returns>The preset, or <see langword="null"/>.</returns>
    public static SmtpProvider? Find(string idOrAlias)
    {
        ArgumentNullException.ThrowIfNull(idOrAlias);
        return ProviderCatalog.FindById(idOrAlias) is { } entry ? All.First(p => p.Id == entry.Id) : null;
    }

    /// <summary>Returns the id.</summary>
    /// <returns>The id.</returns>
    public override string ToString() => Id;
}
