using System.Text.Json.Serialization;

namespace MailSender.Smtp.Providers;

/// <summary>The embedded <c>providers.json</c>: one entry per provider, generated from the checked reference (see docs/providers.md).</summary>
internal sealed record ProviderDocument(string Source, IReadOnlyList<ProviderEntry> Providers);

/// <summary>One provider as stored in <c>providers.json</c>; only values the reference marks verified, except the recommended endpoint (see <see cref="Verified"/>).</summary>
/// <remarks>Properties with defaults have setters: the source-generated reader sets every init-only property, a missing one to <see langword="null"/>.</remarks>
internal sealed record ProviderEntry
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public IReadOnlyList<string> Aliases { get; set; } = [];

    public string? Category { get; init; }

    public IReadOnlyList<string> EmailDomains { get; set; } = [];

    /// <summary>Gets the recommended host; <see langword="null"/> when a region must be chosen (Amazon SES).</summary>
    public string? Host { get; init; }

    /// <summary>Gets the host with a <c>&lt;region&gt;</c> placeholder, for providers whose host depends on the region.</summary>
    public string? HostPattern { get; init; }

    public required int Port { get; init; }

    /// <summary>Gets the security of the recommended endpoint: <c>implicitTls</c>, <c>startTls</c> or <c>none</c>.</summary>
    public required string Security { get; init; }

    /// <summary>Gets a value indicating whether the reference marks the recommended endpoint verified.</summary>
    public bool Verified { get; init; }

    public string? DefaultRegion { get; init; }

    public IReadOnlyList<RegionEntry> Regions { get; set; } = [];

    public IReadOnlyList<EndpointEntry> Endpoints { get; set; } = [];

    /// <summary>Gets the literal user name the provider fixes (e.g. SendGrid's <c>apikey</c>), used when none is configured.</summary>
    public string? UserName { get; init; }

    /// <summary>Gets a value indicating whether the secret is both user name and password (Postmark's server token).</summary>
    public bool PasswordIsUserName { get; init; }

    public string? UserNameNote { get; init; }

    public string? PasswordNote { get; init; }

    /// <summary>Gets <c>required</c>, <c>supported</c> or <c>none</c>.</summary>
    [JsonPropertyName("oauth")]
    public string OAuth { get; set; } = "none";

    /// <summary>Gets the name of the provider's OAuth 2.0 token service (MailSender's own data), for hints.</summary>
    public string? TokenService { get; init; }

    /// <summary>Gets MailSender's advice when the provider refuses the credentials, by reply code and enhanced status code.</summary>
    public IReadOnlyList<AuthHintEntry> AuthHints { get; set; } = [];

    public LimitsEntry Limits { get; set; } = new();

    public required string Documentation { get; init; }

    /// <summary>
    /// Gets the domain the provider's DNS set-up documentation tells customers to include in their SPF record
    /// (<c>include:sendgrid.net</c>), MailSender's own data; <see langword="null"/> where customers have no domain of
    /// their own on it (personal mailboxes) or it documents none.
    /// </summary>
    public string? SpfInclude { get; init; }

    public IReadOnlyList<string> Sources { get; set; } = [];
}

/// <summary>A region (or national variant) of a provider with its own host.</summary>
internal sealed record RegionEntry(string Id, string Host)
{
    public string? Name { get; init; }

    public IReadOnlyList<string> EmailDomains { get; set; } = [];
}

/// <summary>Advice for refused credentials: used when the reply's code and enhanced code match (absent = any).</summary>
internal sealed record AuthHintEntry(string Text)
{
    public int? Code { get; init; }

    public string? Enhanced { get; init; }
}

/// <summary>A verified alternative endpoint (another port or security).</summary>
internal sealed record EndpointEntry(string Host, int Port, string Security);

/// <summary>Limits a provider documents, each with a source in the reference; absent when undocumented.</summary>
internal sealed record LimitsEntry
{
    public int? MaxRecipientsPerMessage { get; init; }

    [JsonPropertyName("maxMessageSizeMB")]
    public int? MaxMessageSizeMegabytes { get; init; }

    public int? MessagesPerConnection { get; init; }

    public int? MaxConnections { get; init; }

    public int? MessagesPerSecond { get; init; }

    public int? MessagesPerMinute { get; init; }

    public int? MessagesPerDay { get; init; }

    public int? RecipientsPerDay { get; init; }
}

/// <summary>Source-generated (reflection-free, trim-safe) reader of <c>providers.json</c>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProviderDocument))]
internal sealed partial class ProviderJsonContext : JsonSerializerContext
{
}
