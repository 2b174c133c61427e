using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MailSender.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailSender.Tests.DependencyInjection;

/// <summary>
/// Binding from configuration: a key the options do not have fails start-up naming it (a typo or a key renamed
/// before 1.0 is not silently ignored), and every "MailSender" JSON example in the README and docs binds.
/// </summary>
public partial class ConfigurationBindingTests
{
    [Theory]
    [InlineData("Pool:MaxConnections", "8", "'Pool'")]
    [InlineData("PickupWritesEnvelope", "false", "'PickupWritesEnvelope'")]
    [InlineData("Resilience:MaxRetryAttempts", "0", "'MaxRetryAttempts'")]
    [InlineData("Smtp:Pool:MaxConections", "8", "'MaxConections'")]
    [InlineData("Resilience:Retry:ShouldHandle", "x", "'ShouldHandle'")]
    public void UnknownKey_FailsNamingIt(string key, string value, string named)
    {
        using var provider = Bind(new Dictionary<string, string?> { ["MailSender:Transport"] = "pickup:outbox", ["MailSender:" + key] = value });

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IOptionsMonitor<MailSenderOptions>>().Get(Options.DefaultName));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KnownKeys_AreBoundAtEveryLevel()
    {
        using var provider = Bind(new Dictionary<string, string?>
        {
            ["MailSender:Transport"] = "pickup:outbox",
            ["MailSender:Smtp:Tls:TrustedCertificateThumbprint"] = new string('a', 64),
            ["MailSender:Smtp:Pool:MaxConnections"] = "9",
            ["MailSender:Smtp:Detection:Ports:0"] = "2525",
            ["MailSender:Pickup:WriteEnvelope"] = "false",
            ["MailSender:Dkim:Headers:0"] = "From",
            ["MailSender:Resilience:Retry:BackoffType"] = "Linear",
        });

        var options = provider.GetRequiredService<IOptionsMonitor<MailSenderOptions>>().Get(Options.DefaultName);

        Assert.Equal(new string('a', 64), options.Smtp.Tls.TrustedCertificateThumbprint);
        Assert.Equal(9, options.Smtp.Pool.MaxConnections);
        Assert.Equal([2525], options.Smtp.Detection.Ports);
        Assert.False(options.Pickup.WriteEnvelope);
        Assert.Equal(["From"], options.Dkim.Headers);
        Assert.Equal(Polly.DelayBackoffType.Linear, options.Resilience.Retry.BackoffType);
    }

    public static TheoryData<string, int> DocumentedExamples()
    {
        var examples = new TheoryData<string, int>();
        foreach (var file in new[] { "README.md" }.Concat(Directory.EnumerateFiles(RepositoryFiles.PathOf("docs"), "*.md").Select(p => "docs/" + Path.GetFileName(p))).Order(StringComparer.Ordinal))
        {
            var blocks = JsonBlock().Matches(File.ReadAllText(RepositoryFiles.PathOf(file)));
            for (var i = 0; i < blocks.Count; i++)
            {
                if (blocks[i].Groups["json"].Value.Contains("\"MailSender\"", StringComparison.Ordinal))
                {
                    examples.Add(file, i);
                }
            }
        }

        return examples;
    }

    [Theory]
    [MemberData(nameof(DocumentedExamples))]
    public void DocumentedJsonExample_BindsWithoutAnUnknownKey(string file, int block)
    {
        var json = JsonBlock().Matches(File.ReadAllText(RepositoryFiles.PathOf(file)))[block].Groups["json"].Value;

        // Examples may elide with "..." or comments; only what parses as JSON is checked, and the README's must parse.
        JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }).Dispose();
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var services = new ServiceCollection();
        services.AddMailSender(configuration.GetSection("MailSender"));
        using var provider = services.BuildServiceProvider();

        // Binding must succeed; validation may then fail here for what this machine lacks (the example's key file,
        // CA file or password), which is not what this test checks.
        var error = Record.Exception(() => provider.GetRequiredService<IOptionsMonitor<MailSenderOptions>>().Get(Options.DefaultName));

        Assert.True(error is null or OptionsValidationException, $"{file}, JSON example {block + 1}: {error?.Message}");
    }

    [Fact]
    public void DocumentedExamples_IncludeTheReadmeAndTheConfigurationGuide()
    {
        var files = DocumentedExamples().Select(row => (string)row[0]).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("README.md", files);
        Assert.Contains("docs/configuration.md", files);
    }

    private static ServiceProvider Bind(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddMailSender(configuration.GetSection("MailSender"));
        return services.BuildServiceProvider();
    }

    [GeneratedRegex(@"```json\r?\n(?<json>.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
