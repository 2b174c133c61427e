using System.Text.Json;
using MailSender.Smtp.Providers;

namespace MailSender.Tests.Smtp.Providers;

/// <summary>The embedded data file is valid, and lookups by id, alias, host and address domain find the right preset.</summary>
public class ProviderCatalogTests
{
    /// <summary>The providers the issue names, by their preset id.</summary>
    public static readonly TheoryData<string> NamedInIssue = new()
    {
        "gmail", "google-smtp-relay", "outlook", "microsoft365", "yahoo", "icloud", "zoho", "fastmail", "gmx", "ionos", "ovh", "free",
        "orange", "mailpro", "sendgrid", "mailgun", "ses", "postmark", "brevo", "mailjet", "sparkpost", "mailtrap", "smtp2go",
        "elasticemail", "resend", "mailersend", "scaleway-tem", "infomaniak",
    };

    private static readonly string[] Securities = ["implicitTls", "startTls", "none"];

    [Fact]
    public void All_HasAtLeastThirtyProviders()
    {
        Assert.True(ProviderCatalog.All.Count >= 30, $"only {ProviderCatalog.All.Count} presets");
    }

    [Theory]
    [MemberData(nameof(NamedInIssue))]
    public void FindById_ProviderNamedInTheIssue_IsPresent(string id)
    {
        Assert.Equal(id, ProviderCatalog.FindById(id)?.Id);
    }

    [Fact]
    public void Data_IdsAndAliases_AreUniqueAfterNormalization()
    {
        var names = ProviderCatalog.All.SelectMany(p => p.Aliases.Prepend(p.Id).Select(ProviderCatalog.Normalize).Distinct().Select(n => (Name: n, p.Id))).ToArray();
        var duplicates = names.GroupBy(n => n.Name).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(n => n.Id))}").ToArray();
        Assert.Empty(duplicates);
        Assert.All(ProviderCatalog.All, p => Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", p.Id));
    }

    [Fact]
    public void Data_EmailDomains_BelongToOneProviderEach()
    {
        var duplicates = ProviderCatalog.All.SelectMany(p => p.EmailDomains.Select(d => (Domain: d.ToLowerInvariant(), p.Id)))
            .GroupBy(d => d.Domain).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        Assert.Empty(duplicates);
        Assert.All(ProviderCatalog.All.SelectMany(p => p.EmailDomains), d => Assert.Equal(UriHostNameType.Dns, Uri.CheckHostName(d)));
    }

    [Fact]
    public void Data_HostsPortsAndSecurity_AreWellFormed()
    {
        foreach (var preset in ProviderCatalog.All)
        {
            var hosts = preset.Regions.Select(r => r.Host).Concat(preset.Endpoints.Select(e => e.Host)).ToList();
            if (preset.Host is null)
            {
                Assert.True(preset.HostPattern is not null && preset.Regions.Count > 0, $"{preset.Id}: no host, so it needs a host pattern and regions");
            }
            else
            {
                hosts.Add(preset.Host);
            }

            Assert.All(hosts, h => Assert.True(Uri.CheckHostName(h) is UriHostNameType.Dns or UriHostNameType.IPv4 && !h.Contains('<', StringComparison.Ordinal), $"{preset.Id}: bad host '{h}'"));
            Assert.All(preset.Endpoints.Select(e => e.Port).Append(preset.Port), port => Assert.InRange(port, 1, 65535));
            Assert.All(preset.Endpoints.Select(e => e.Security).Append(preset.Security), s => Assert.Contains(s, Securities));
            Assert.Contains(preset.OAuth, new[] { "required", "supported", "none" });
            Assert.Equal(preset.Regions.Count, preset.Regions.Select(r => r.Id.ToLowerInvariant()).Distinct().Count());
            Assert.True(preset.DefaultRegion is null || preset.Regions.Any(r => r.Id == preset.DefaultRegion), $"{preset.Id}: default region not in its regions");
        }
    }

    [Fact]
    public void Data_EveryEntry_HasADocumentationLinkAndSources()
    {
        Assert.All(ProviderCatalog.All, p =>
        {
            Assert.True(Uri.TryCreate(p.Documentation, UriKind.Absolute, out var documentation) && documentation.Scheme is "https" or "http", $"{p.Id}: documentation '{p.Documentation}'");
            Assert.NotEmpty(p.Sources);
            Assert.Contains(p.Documentation, p.Sources);
            Assert.All(p.Sources, s => Assert.True(Uri.TryCreate(s, UriKind.Absolute, out _), $"{p.Id}: source '{s}'"));
        });
    }

    [Fact]
    public void Data_Limits_ArePositiveWhenPresent()
    {
        foreach (var limits in ProviderCatalog.All.Select(p => p.Limits))
        {
            int?[] values = [limits.MaxRecipientsPerMessage, limits.MaxMessageSizeMegabytes, limits.MessagesPerConnection, limits.MaxConnections, limits.MessagesPerSecond, limits.MessagesPerMinute, limits.MessagesPerDay, limits.RecipientsPerDay];
            Assert.All(values.Where(v => v is not null), v => Assert.True(v > 0));
        }
    }

    [Fact]
    public void Data_File_HasNoUnknownProperties()
    {
        // The source generator ignores unknown names silently: a misspelt key would drop a value without a trace.
        using var stream = typeof(ProviderCatalog).Assembly.GetManifestResourceStream(ProviderCatalog.ResourceName)!;
        using var json = JsonDocument.Parse(stream);
        string[] known = ["id", "name", "aliases", "category", "emailDomains", "host", "hostPattern", "port", "security", "verified", "defaultRegion", "regions", "endpoints", "userName", "passwordIsUserName", "userNameNote", "passwordNote", "oauth", "tokenService", "authHints", "limits", "documentation", "spfInclude", "sources"];
        string[] limitNames = ["maxRecipientsPerMessage", "maxMessageSizeMB", "messagesPerConnection", "maxConnections", "messagesPerSecond", "messagesPerMinute", "messagesPerDay", "recipientsPerDay"];
        foreach (var provider in json.RootElement.GetProperty("providers").EnumerateArray())
        {
            Assert.All(provider.EnumerateObject(), p => Assert.Contains(p.Name, known));
            if (provider.TryGetProperty("authHints", out var hints))
            {
                Assert.All(hints.EnumerateArray().SelectMany(h => h.EnumerateObject()), p => Assert.Contains(p.Name, (string[])["code", "enhanced", "text"]));
            }

            if (provider.TryGetProperty("limits", out var limits))
            {
                Assert.All(limits.EnumerateObject(), p => Assert.Contains(p.Name, limitNames));
            }
        }
    }

    [Theory]
    [InlineData("sendgrid", "sendgrid.net")]
    [InlineData("microsoft365", "spf.protection.outlook.com")]
    [InlineData("google-workspace", "_spf.google.com")]
    [InlineData("gmail", null)]
    public void SpfInclude_IsThePresetsDocumentedDomain_OrNoneForPersonalMailboxes(string id, string? expected) =>
        Assert.Equal(expected, SmtpProvider.Find(id)!.SpfInclude);

    [Fact]
    public void Data_ReadBack_KeepsEveryValueOfTheFile()
    {
        // A C# name whose JSON spelling differs from the file's would read as a default without an error.
        using var stream = typeof(ProviderCatalog).Assembly.GetManifestResourceStream(ProviderCatalog.ResourceName)!;
        using var json = JsonDocument.Parse(stream);
        var written = JsonSerializer.SerializeToElement(ProviderCatalog.ReadDocument(), ProviderJsonContext.Default.ProviderDocument);
        var providers = json.RootElement.GetProperty("providers").EnumerateArray().Zip(written.GetProperty("providers").EnumerateArray());
        foreach (var (original, readBack) in providers)
        {
            AssertContained(original, readBack, original.GetProperty("id").GetString()!);
        }
    }

    [Fact]
    public void Ses_HasEveryPublicRegionOfTheReference()
    {
        string[] regions =
        [
            "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1",
            "eu-north-1", "eu-south-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
            "us-gov-west-1", "us-gov-east-1",
        ];
        var ses = ProviderCatalog.FindById("ses")!;
        Assert.Equal(regions, ses.Regions.Select(r => r.Id));
        Assert.All(ses.Regions, r => Assert.Equal($"email-smtp.{r.Id}.amazonaws.com", r.Host));
    }

    [Theory]
    [InlineData("sendgrid", "sendgrid")]
    [InlineData("SendGrid", "sendgrid")]
    [InlineData("Google Mail", "gmail")]
    [InlineData("googlemail", "gmail")]
    [InlineData("AWS SES", "ses")]
    [InlineData("aws-ses", "ses")]
    [InlineData("Hotmail", "outlook")]
    [InlineData("Sendinblue", "brevo")]
    public void FindById_IdOrAlias_FindsThePreset(string name, string expected)
    {
        Assert.Equal(expected, ProviderCatalog.FindById(name)?.Id);
    }

    [Fact]
    public void FindById_Unknown_ReturnsNull()
    {
        Assert.Null(ProviderCatalog.FindById("no-such-provider"));
    }

    [Theory]
    [InlineData("smtp.sendgrid.net", "sendgrid")]
    [InlineData("SMTP.GMAIL.COM.", "gmail")]
    [InlineData("smtp.eu.mailgun.org", "mailgun")]
    [InlineData("email-smtp.eu-west-1.amazonaws.com", "ses")]
    [InlineData("email-smtp.xx-future-9.amazonaws.com", "ses")]
    [InlineData("smtp.office365.com", "microsoft365")]
    [InlineData("smtp-mail.outlook.com", "outlook")]
    public void FindByHost_KnownHost_FindsThePreset(string host, string expected)
    {
        Assert.Equal(expected, ProviderCatalog.FindByHost(host)?.Id);
    }

    [Theory]
    [InlineData("smtp.example.com")]
    [InlineData("email-smtp.amazonaws.com")]
    [InlineData("email-smtp.a.b.amazonaws.com")]
    [InlineData("127.0.0.1")]
    public void FindByHost_OtherHost_ReturnsNull(string host)
    {
        Assert.Null(ProviderCatalog.FindByHost(host));
    }

    [Theory]
    [InlineData("gmail.com", "gmail")]
    [InlineData("ann@GMAIL.com", "gmail")]
    [InlineData("bob@hotmail.co.uk", "outlook")]
    [InlineData("carol@icloud.com", "icloud")]
    [InlineData("dave@free.fr", "free")]
    [InlineData("erin@gmx.com", "gmx")]
    public void FindByEmailDomain_MailboxDomain_FindsTheProvider(string address, string expected)
    {
        Assert.Equal(expected, ProviderCatalog.FindByEmailDomain(address)?.Id);
    }

    [Fact]
    public void FindByEmailDomain_UnknownDomain_ReturnsNull()
    {
        Assert.Null(ProviderCatalog.FindByEmailDomain("ann@example.com"));
    }

    [Fact]
    public void HostForEmailDomain_RegionalDomain_UsesTheRegionsHost()
    {
        var gmx = ProviderCatalog.FindById("gmx")!;
        Assert.Equal("mail.gmx.com", ProviderCatalog.HostForEmailDomain(gmx, "gmx.com"));
        Assert.Equal("mail.gmx.net", ProviderCatalog.HostForEmailDomain(gmx, "gmx.de"));
    }

    [Fact]
    public void FindEndpoint_KnownHostOrSenderDomain_GivesThePresetsEndpoint()
    {
        Assert.Equal(("email-smtp.eu-west-1.amazonaws.com", 587, SmtpSecurity.StartTls, "preset:ses"), ProviderCatalog.FindEndpoint("email-smtp.eu-west-1.amazonaws.com", null));
        Assert.Equal(("mail.gmx.com", 587, SmtpSecurity.StartTls, "preset:gmx"), ProviderCatalog.FindEndpoint("mail.example.com", "erin@gmx.com"));
        Assert.Equal(("smtp.gmail.com", 465, SmtpSecurity.Implicit, "preset:gmail"), ProviderCatalog.FindEndpoint("localhost", "gmail.com"));
        Assert.Null(ProviderCatalog.FindEndpoint("mail.example.com", "ann@example.com"));
    }

    [Fact]
    public void SmtpProvider_All_MirrorsTheCatalog()
    {
        Assert.Equal(ProviderCatalog.All.Select(p => p.Id), SmtpProvider.All.Select(p => p.Id));
        var sendgrid = SmtpProvider.Find("SendGrid")!;
        Assert.Equal(("smtp.sendgrid.net", 587, SmtpSecurity.StartTls, "apikey"), (sendgrid.Host, sendgrid.Port, sendgrid.Security, sendgrid.UserName));
        Assert.True(SmtpProvider.Find("outlook")!.RequiresOAuth);
        Assert.Equal("email-smtp.<region>.amazonaws.com", SmtpProvider.Find("ses")!.Host);
        Assert.Null(SmtpProvider.Find("nope"));
    }

    /// <summary>Every value in <paramref name="original"/> is in <paramref name="readBack"/> (which may add defaults such as empty lists).</summary>
    private static void AssertContained(JsonElement original, JsonElement readBack, string path)
    {
        switch (original.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in original.EnumerateObject())
                {
                    Assert.True(readBack.ValueKind == JsonValueKind.Object && readBack.TryGetProperty(property.Name, out _), $"{path}.{property.Name} is not read");
                    AssertContained(property.Value, readBack.GetProperty(property.Name), $"{path}.{property.Name}");
                }

                break;
            case JsonValueKind.Array:
                Assert.Equal(original.GetArrayLength(), readBack.GetArrayLength());
                foreach (var (item, index) in original.EnumerateArray().Select((e, i) => (e, i)))
                {
                    AssertContained(item, readBack[index], $"{path}[{index}]");
                }

                break;
            default:
                // Scalars (JsonElement.DeepEquals is .NET 9+): same kind, and the same number or text.
                var same = original.ValueKind == readBack.ValueKind && (original.ValueKind == JsonValueKind.Number
                    ? original.GetDecimal() == readBack.GetDecimal()
                    : string.Equals(original.ToString(), readBack.ToString(), StringComparison.Ordinal));
                Assert.True(same, $"{path}: {original} read as {readBack}");
                break;
        }
    }
}
