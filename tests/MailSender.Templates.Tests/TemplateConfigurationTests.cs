using System.Text;
using System.Text.RegularExpressions;
using MailSender.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailSender.Templates.Tests;

public partial class TemplateConfigurationTests
{
    private static ServiceProvider Bind(string json)
    {
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var services = new ServiceCollection();
        services.AddMailSender(configuration.GetSection("MailSender"));
        services.AddMailSenderTemplates(configuration.GetSection("MailSender:Templates"));
        return services.BuildServiceProvider();
    }

    [Fact]
    public void TemplatesSection_IsBoundByTheTemplatesPackage_AndNotRefusedByTheCore()
    {
        using var provider = Bind("""
            {"MailSender": {"Transport": "pickup:outbox", "Templates": {"Directory": "TestTemplates", "WatchForChanges": true,
              "MissingValues": "Empty", "InlineCss": true, "TextFromHtml": false, "DefaultCulture": "fr-FR"}}}
            """);

        Assert.Equal("pickup:outbox", provider.GetRequiredService<IOptionsMonitor<MailSenderOptions>>().Get(Options.DefaultName).Transport);
        var options = provider.GetRequiredService<IOptions<EmailTemplateOptions>>().Value;
        Assert.Equal(("TestTemplates", true, MissingValueHandling.Empty, true, false, "fr-FR"), (options.Directory, options.WatchForChanges, options.MissingValues, options.InlineCss, options.TextFromHtml, options.DefaultCulture));
    }

    [Fact]
    public void UnknownTemplatesKey_IsRefusedWithItsName()
    {
        using var provider = Bind("""{"MailSender": {"Templates": {"Folder": "Templates"}}}""");

        var exception = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IOptions<EmailTemplateOptions>>().Value);

        Assert.Contains("'Folder'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownCulture_IsRefusedAtStartUp()
    {
        using var provider = Bind("""{"MailSender": {"Templates": {"DefaultCulture": "xx-NOPE"}}}""");

        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EmailTemplateOptions>>().Value);

        Assert.Contains("DefaultCulture 'xx-NOPE' is not a culture name", exception.Message, StringComparison.Ordinal);
    }

    public static TheoryData<int> DocumentedExamples()
    {
        var examples = new TheoryData<int>();
        var blocks = JsonBlock().Matches(File.ReadAllText(RepositoryFiles.PathOf("docs/templates.md")));
        for (var i = 0; i < blocks.Count; i++)
        {
            examples.Add(i);
        }

        return examples;
    }

    [Theory]
    [MemberData(nameof(DocumentedExamples))]
    public void DocumentedJsonExample_BindsWithoutAnUnknownKey(int block)
    {
        var json = JsonBlock().Matches(File.ReadAllText(RepositoryFiles.PathOf("docs/templates.md")))[block].Groups["json"].Value;
        using var provider = Bind(json);

        // Binding must succeed; validation may then fail for what this machine lacks (the example's template folder).
        var error = Record.Exception(() => provider.GetRequiredService<IOptions<EmailTemplateOptions>>().Value);

        Assert.True(error is null or OptionsValidationException, $"docs/templates.md, JSON example {block + 1}: {error?.Message}");
    }

    [GeneratedRegex(@"```json\r?\n(?<json>.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
