using System.Globalization;
using System.Text.Json;
using MailSender.Templates.Liquid;
using MailSender.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailSender.Templates.Tests.Liquid;

public class LiquidTemplateTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "TestTemplates");

    private static object WelcomeModel(string name = "Ana") => new
    {
        Product = "Acme",
        User = new { Name = name, Joined = new DateTime(2026, 12, 5), Balance = 1234.5m },
        Items = Enumerable.Range(1, 3).Select(i => new { Title = "Item " + i, Price = i * 10 }).ToList(),
        Link = "https://example.com/confirm?a=1&b=2",
    };

    private static ServiceProvider Build(Action<EmailTemplateOptions>? configure = null, Action<IEmailTemplatesBuilder>? add = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddMailSenderTemplates(o =>
        {
            o.Directory = Folder;
            configure?.Invoke(o);
        });
        add?.Invoke(builder);
        return services.BuildServiceProvider();
    }

    private static string Html(MimeMessage message) => message.HtmlBody ?? throw new InvalidOperationException("no HTML part");

    [Fact]
    public async Task RenderAsync_FileWithLayoutPartialAndTextTemplate_FillsEveryPart()
    {
        await using var provider = Build();
        var templates = provider.GetRequiredService<IEmailTemplates>();

        var message = await templates.RenderAsync("welcome", WelcomeModel());

        Assert.Equal("Welcome to Acme, Ana!", message.Subject);
        var html = Html(message);
        Assert.Contains("<title>Acme</title>", html, StringComparison.Ordinal);
        Assert.Contains("<h1>Hello Ana</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<li>Item 3: 30</li>", html, StringComparison.Ordinal);
        Assert.Contains("you signed up for Acme.", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://example.com/confirm?a=1&amp;b=2\"", html, StringComparison.Ordinal);
        Assert.Equal("Hello Ana,\n\nconfirm your address: https://example.com/confirm?a=1&b=2\n\n--\nAcme\n", message.TextBody!.ReplaceLineEndings("\n"));
        Assert.Empty(message.To);
    }

    [Fact]
    public async Task RenderAsync_ModelValues_AreHtmlEncodedInTheHtmlButNotInTheSubjectOrText()
    {
        await using var provider = Build();
        var templates = provider.GetRequiredService<IEmailTemplates>();

        var message = await templates.RenderAsync("welcome", WelcomeModel("<script>alert(1)</script> & Co"));

        Assert.Equal("Welcome to Acme, <script>alert(1)</script> & Co!", message.Subject);
        Assert.Contains("<h1>Hello &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co</h1>", Html(message), StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", Html(message), StringComparison.Ordinal);
        Assert.StartsWith("Hello <script>alert(1)</script> & Co,", message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_RawFilter_WritesTheValueUnencoded()
    {
        await using var provider = Build();
        var templates = provider.GetRequiredService<IEmailTemplates>();

        var message = await templates.RenderAsync("account/reset", new { User = new { Name = "Bo" }, Link = "https://example.com/r?a=1&b=2" });

        Assert.Contains("href=\"https://example.com/r?a=1&b=2\"", Html(message), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_FrenchCulture_UsesTheFrenchVariantAndFormatsInFrench()
    {
        await using var provider = Build();
        var templates = provider.GetRequiredService<IEmailTemplates>();

        var message = await templates.RenderAsync("welcome", WelcomeModel(), CultureInfo.GetCultureInfo("fr-FR"));

        Assert.Equal("Bienvenue sur Acme, Ana !", message.Subject);
        Assert.Contains("Inscrit le 05 décembre 2026", Html(message), StringComparison.Ordinal);
        Assert.Contains("Solde : 1234,5", Html(message), StringComparison.Ordinal);
        // No French text template: the text part is made from the French HTML, never taken from the English text.
        Assert.DoesNotContain("confirm your address", message.TextBody ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_CultureWithoutVariant_FallsBackToTheInvariantTemplateButFormatsInThatCulture()
    {
        await using var provider = Build();
        var templates = provider.GetRequiredService<IEmailTemplates>();

        var message = await templates.RenderAsync("welcome", WelcomeModel(), CultureInfo.GetCultureInfo("de-DE"));

        Assert.Equal("Welcome to Acme, Ana!", message.Subject);
        Assert.Contains("You joined on 05 Dezember 2026. Your balance is 1234,5.", Html(message), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_DefaultCulture_AppliesWhenTheCallNamesNone()
    {
        await using var provider = Build(o => o.DefaultCulture = "fr-CA");
        var templates = provider.GetRequiredService<IEmailTemplates>();

        var message = await templates.RenderAsync("welcome", WelcomeModel());

        Assert.Equal("Bienvenue sur Acme, Ana !", message.Subject);
    }

    [Fact]
    public async Task RenderAsync_MissingModelMember_NamesTheTemplateTheMemberTheLineAndColumn()
    {
        await using var provider = Build();
        var templates = provider.GetRequiredService<IEmailTemplates>();

        var model = new { Product = "Acme", User = new { Name = "Ana", Joined = DateTime.Now, Balance = 1m }, Items = Array.Empty<object>() };
        var exception = await Assert.ThrowsAsync<EmailTemplateException>(() => templates.RenderAsync("welcome", model));

        Assert.Equal("welcome", exception.TemplateName);
        Assert.Equal("welcome.liquid", exception.Path);
        Assert.Equal(8, exception.Line);
        Assert.Equal(16, exception.Column);
        Assert.Contains("'link'", exception.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("MissingValues", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_MissingValuesEmpty_RendersEmptyText()
    {
        await using var provider = Build(o => o.MissingValues = MissingValueHandling.Empty);
        var templates = provider.GetRequiredService<IEmailTemplates>();

        var model = new { Product = "Acme", User = new { Name = "Ana", Joined = DateTime.Now, Balance = 1m }, Items = Array.Empty<object>() };
        var message = await templates.RenderAsync("welcome", model);

        Assert.Contains("<a href=\"\">Confirm your address</a>", Html(message), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_NullMember_IsAValueNotAMissingOne()
    {
        await using var provider = Build(add: b => b.AddTemplate("optional", "Hi {{ nick | default: name }}", "<p>{% if nick %}{{ nick }}{% else %}{{ name }}{% endif %}</p>"));
        var templates = provider.GetRequiredService<IEmailTemplates>();

        var message = await templates.RenderAsync("optional", new { Name = "Ana", Nick = (string?)null });

        Assert.Equal("Hi Ana", message.Subject);
        Assert.Contains("<p>Ana</p>", Html(message), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_JsonModel_ReadsObjectsArraysNumbersAndDatesInAnyCase()
    {
        await using var provider = Build();
        var templates = provider.GetRequiredService<IEmailTemplates>();
        using var json = JsonDocument.Parse("""
            {"product":"Acme","user":{"Name":"Ana","joined":"2026-12-05","balance":1234.5},
             "items":[{"title":"Item 1","price":10}],"link":"https://example.com/c"}
            """);

        var message = await templates.RenderAsync("welcome", json.RootElement);

        Assert.Equal("Welcome to Acme, Ana!", message.Subject);
        Assert.Contains("You joined on 05 December 2026. Your balance is 1234.5.", Html(message), StringComparison.Ordinal);
        Assert.Contains("<li>Item 1: 10</li>", Html(message), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_JsonModelWithoutAKey_IsAMissingValue()
    {
        await using var provider = Build();
        var templates = provider.GetRequiredService<IEmailTemplates>();
        using var json = JsonDocument.Parse("""{"product":"Acme","user":{"name":"Ana","joined":"2026-12-05","balance":1},"items":[]}""");

        var exception = await Assert.ThrowsAsync<EmailTemplateException>(() => templates.RenderAsync("welcome", json.RootElement));

        Assert.Contains("'link'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_DictionaryModel_Works()
    {
        await using var provider = Build(add: b => b.AddTemplate("dict", "Order {{ number }}", "<p>{{ customer.name }}</p>"));
        var templates = provider.GetRequiredService<IEmailTemplates>();

        var message = await templates.RenderAsync("dict", new Dictionary<string, object?> { ["number"] = 42, ["customer"] = new { Name = "Bo" } });

        Assert.Equal("Order 42", message.Subject);
        Assert.Contains("<p>Bo</p>", Html(message), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_UnknownTemplate_SaysWhereTemplatesAreRead()
    {
        await using var provider = Build();
        var templates = provider.GetRequiredService<IEmailTemplates>();

        var exception = await Assert.ThrowsAsync<EmailTemplateException>(() => templates.RenderAsync("welcom", WelcomeModel()));

        Assert.Contains("no template named 'welcom'", exception.Message, StringComparison.Ordinal);
        Assert.Contains(Folder, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../secret")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\b")]
    [InlineData("welcome.liquid")]
    public async Task RenderAsync_NameOutsideTheTemplateFolder_IsRefused(string name)
    {
        await using var provider = Build();
        var templates = provider.GetRequiredService<IEmailTemplates>();

        var exception = await Assert.ThrowsAsync<EmailTemplateException>(() => templates.RenderAsync(name, null));

        Assert.Contains("is not a template name", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_PartialOutsideTheSources_IsNotRead()
    {
        var outside = Path.Combine(Path.GetTempPath(), "mailsender-outside-" + Guid.NewGuid().ToString("N") + ".liquid");
        await File.WriteAllTextAsync(outside, "SECRET");
        try
        {
            await using var provider = Build(add: b => b
                .AddTemplate("escape1", "x", "<p>{% render '" + outside + "' %}</p>")
                .AddTemplate("escape2", "x", "<p>{% include '../" + Path.GetFileName(outside) + "' %}</p>"));
            var templates = provider.GetRequiredService<IEmailTemplates>();

            foreach (var name in new[] { "escape1", "escape2" })
            {
                var rendered = await Record.ExceptionAsync(() => templates.RenderAsync(name, new { }));
                Assert.IsType<EmailTemplateException>(rendered);
                Assert.DoesNotContain("SECRET", rendered.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Fact]
    public async Task RenderAsync_SyntaxErrorInAFileAddedAfterStartUp_NamesTheFileTheLineAndTheColumn()
    {
        // Start-up validation catches files present then; a file that appears later (watched edits) fails when rendered.
        var files = new StringFiles(("broken.liquid", "{% subject %}Hi{% endsubject %}<p>one</p>\n<p>{% if user %}two</p>"));
        using var engine = LiquidEngineFactory.Create(new EmailTemplateOptions(), [new TemplateFileSource(files, "test files")]);

        var exception = await Assert.ThrowsAsync<EmailTemplateException>(async () => await engine.RenderAsync("broken", new { User = 1 }, CultureInfo.InvariantCulture, default));

        Assert.Equal("broken.liquid", exception.Path);
        Assert.Equal(2, exception.Line);
        Assert.Equal(24, exception.Column);
        Assert.Equal("Template broken.liquid in test files does not parse: line 2, column 24: '{% endif %}' was expected.", exception.Message);
    }

    [Fact]
    public async Task StartUp_SyntaxErrorInAnyTemplate_StopsTheApplicationWithTheLine()
    {
        await using var provider = Build(add: b => b.AddTemplate("broken", "Hi", "<p>one</p>\n<p>{{ user. }}</p>"));

        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EmailTemplateOptions>>().Value);

        Assert.Contains("broken.liquid in the templates added with AddTemplate does not parse: line 2", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartUp_GenericHost_DoesNotStartWithABrokenTemplateFile()
    {
        var folder = Directory.CreateTempSubdirectory("mailsender-templates-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "ok.liquid"), "{% subject %}Fine{% endsubject %}<p>ok</p>");
            await File.WriteAllTextAsync(Path.Combine(folder, "bad.liquid"), "{% subject %}Bad{% endsubject %}\n<ul>\n{% for x in %}<li>{{ x }}</li>{% endfor %}</ul>");
            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
            builder.Services.AddMailSenderTemplates(o => o.Directory = folder);
            using var host = builder.Build();

            var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

            Assert.Contains("bad.liquid in the folder " + folder + " does not parse: line 3, column", exception.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("ok.liquid", exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task StartUp_TemplateWithoutSubject_IsReported()
    {
        await using var provider = Build(add: b => b.AddTemplateFiles(new StringFiles(("nosubject.liquid", "<p>hello</p>")), "test files"));

        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EmailTemplateOptions>>().Value);

        Assert.Contains("nosubject.liquid in test files has no subject", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartUp_MissingFolder_IsReported()
    {
        var services = new ServiceCollection();
        services.AddMailSenderTemplates(o => o.Directory = "no-such-templates-folder");
        await using var provider = services.BuildServiceProvider();

        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EmailTemplateOptions>>().Value);

        Assert.Contains("'no-such-templates-folder' does not exist", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartUp_ValidTemplates_Pass()
    {
        await using var provider = Build();

        Assert.Equal(Folder, provider.GetRequiredService<IOptions<EmailTemplateOptions>>().Value.Directory);
    }

    [Fact]
    public async Task RenderAsync_ParsesEachFileOnce()
    {
        var files = new StringFiles(
            ("counted.liquid", "{% layout 'l' %}{% subject %}S {{ n }}{% endsubject %}<p>{{ n }}</p>{% render 'p' %}"),
            ("_layouts/l.liquid", "<div>{{ content_for_layout }}</div>"),
            ("_partials/p.liquid", "<i>partial</i>"));
        var services = new ServiceCollection();
        services.AddMailSenderTemplates().AddTemplateFiles(files);
        await using var provider = services.BuildServiceProvider();
        var templates = provider.GetRequiredService<IEmailTemplates>();

        // Start-up parses every file once to check it, and rendering uses what it parsed: no file is read again.
        var before = (files.Reads("counted.liquid"), files.Reads("_layouts/l.liquid"), files.Reads("_partials/p.liquid"));
        Assert.Equal((1, 1, 1), before);
        for (var i = 0; i < 5; i++)
        {
            var message = await templates.RenderAsync("counted", new { N = i });
            Assert.Equal("S " + i, message.Subject);
            Assert.Contains($"<div><p>{i}</p><i>partial</i></div>", Html(message), StringComparison.Ordinal);
        }

        Assert.Equal(1, files.Reads("counted.liquid"));
        Assert.Equal(1, files.Reads("_layouts/l.liquid"));
        Assert.Equal(1, files.Reads("_partials/p.liquid"));
    }

    [Fact]
    public async Task RenderAsync_WhatABodyAssigns_IsSeenByItsLayout()
    {
        var files = new StringFiles(
            ("assigning.liquid", "{% layout 'l' %}{% assign title = 'Your order' %}{% capture footer %}Thanks, {{ name }}{% endcapture %}{% subject %}S{% endsubject %}<p>body</p>"),
            ("_layouts/l.liquid", "<h1>{{ title }}</h1>{{ content_for_layout }}<footer>{{ footer }}</footer>"));
        var services = new ServiceCollection();
        services.AddMailSenderTemplates().AddTemplateFiles(files);
        await using var provider = services.BuildServiceProvider();

        var message = await provider.GetRequiredService<IEmailTemplates>().RenderAsync("assigning", new { Name = "Ana" });

        Assert.Contains("<h1>Your order</h1><p>body</p><footer>Thanks, Ana</footer>", Html(message), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_EmbeddedTemplates_AreFound()
    {
        var services = new ServiceCollection();
        services.AddMailSenderTemplates().AddEmbeddedTemplates(typeof(LiquidTemplateTests).Assembly, "MailSender.Templates.Tests.EmbeddedTemplates");
        await using var provider = services.BuildServiceProvider();

        var message = await provider.GetRequiredService<IEmailTemplates>().RenderAsync("receipt", new { Number = "A-17" });

        Assert.Equal("Receipt A-17", message.Subject);
    }

    [Fact]
    public void AddEmbeddedTemplates_WrongNamespace_SaysSo()
    {
        var services = new ServiceCollection();

        var exception = Assert.Throws<ArgumentException>(() => services.AddMailSenderTemplates().AddEmbeddedTemplates(typeof(LiquidTemplateTests).Assembly, "Wrong.Namespace"));

        Assert.Contains("embeds no resource under 'Wrong.Namespace.'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_FolderFirst_ThenSourcesInOrder()
    {
        await using var provider = Build(add: b => b.AddTemplate("welcome", "From a string", "<p>string</p>").AddTemplate("only-string", "Only {{ n }}", "<p>s</p>"));
        var templates = provider.GetRequiredService<IEmailTemplates>();

        Assert.Equal("Welcome to Acme, Ana!", (await templates.RenderAsync("welcome", WelcomeModel())).Subject);
        Assert.Equal("Only 1", (await templates.RenderAsync("only-string", new { N = 1 })).Subject);
    }

    [Fact]
    public async Task SendTemplateAsync_RendersAndSendsToTheRecipients()
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.DefaultFrom = "app@example.com");
        services.AddInMemoryEmailTransport();
        services.AddMailSenderTemplates(o => o.Directory = Folder);
        await using var provider = services.BuildServiceProvider();
        var sender = provider.GetRequiredService<IEmailSender>();
        var templates = provider.GetRequiredService<IEmailTemplates>();

        await sender.SendTemplateAsync(templates, "welcome", WelcomeModel(), "Ana <ana@example.com>, bo@example.com");

        var sent = provider.GetRequiredService<InMemoryEmailTransport>().ShouldHaveSent();
        Assert.Equal(["ana@example.com", "bo@example.com"], sent.Recipients);
        Assert.Equal("Welcome to Acme, Ana!", sent.Message.Subject);
        Assert.Equal("app@example.com", sent.Sender);
    }

    [Fact]
    public async Task SendTemplateAsync_BadAddress_FailsBeforeRendering()
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.DefaultFrom = "app@example.com");
        services.AddInMemoryEmailTransport();
        var files = new StringFiles(("t.liquid", "{% subject %}S{% endsubject %}<p>x</p>"));
        services.AddMailSenderTemplates().AddTemplateFiles(files);
        await using var provider = services.BuildServiceProvider();
        var templates = provider.GetRequiredService<IEmailTemplates>();
        var readsAtStart = files.Reads("t.liquid");

        var exception = await Assert.ThrowsAsync<EmailSendException>(() =>
            provider.GetRequiredService<IEmailSender>().SendTemplateAsync(templates, "t", null, "not an address"));

        Assert.Equal(EmailErrorKind.InvalidMessage, exception.Kind);
        Assert.Equal(readsAtStart, files.Reads("t.liquid"));
        provider.GetRequiredService<InMemoryEmailTransport>().ShouldHaveSentNothing();
    }

    [Fact]
    public async Task SendTemplateAsync_SubjectWithALineBreakFromTheModel_IsRefusedAndNothingIsSent()
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.DefaultFrom = "app@example.com");
        services.AddInMemoryEmailTransport();
        services.AddMailSenderTemplates(o => o.Directory = Folder);
        await using var provider = services.BuildServiceProvider();

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => provider.GetRequiredService<IEmailSender>()
            .SendTemplateAsync(provider.GetRequiredService<IEmailTemplates>(), "welcome", WelcomeModel("Ana\r\nBcc: victim@example.com"), "ana@example.com"));

        Assert.True(exception is EmailTemplateException or EmailSendException { Kind: EmailErrorKind.InvalidMessage }, exception.ToString());
        provider.GetRequiredService<InMemoryEmailTransport>().ShouldHaveSentNothing();
    }
}
