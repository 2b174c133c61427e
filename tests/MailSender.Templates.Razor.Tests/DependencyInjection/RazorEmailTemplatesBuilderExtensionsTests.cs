using System.Globalization;
using MailSender.Templates.Razor.Rendering;
using MailSender.Templates.Razor.Tests.Templates;
using MailSender.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using MimeKit;

namespace MailSender.Templates.Razor.Tests.DependencyInjection;

public class RazorEmailTemplatesBuilderExtensionsTests
{
    private static ServiceProvider BuildProvider(Action<IEmailTemplatesBuilder> templates)
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.DefaultFrom = "app@example.com");
        services.AddInMemoryEmailTransport();
        templates(services.AddMailSenderTemplates());
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    [Fact]
    public void AddRazorTemplate_SameNameTwice_ThrowsArgumentException()
    {
        var builder = new ServiceCollection().AddMailSenderTemplates().AddRazorTemplate<Welcome>("welcome");

        var error = Assert.Throws<ArgumentException>(() => builder.AddRazorTemplate<Receipt>("welcome"));

        Assert.Equal("name", error.ParamName);
        Assert.Contains(typeof(Welcome).FullName!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddRazorTemplate_SeveralTemplates_RegistersTheEngineOnce()
    {
        var services = new ServiceCollection();
        services.AddMailSenderTemplates().AddRazorTemplate<Welcome>("welcome").AddRazorTemplate<Receipt>("receipt");
        using var provider = services.BuildServiceProvider();

        var engine = Assert.Single(provider.GetServices<IEmailTemplateEngine>().OfType<RazorTemplateEngine>());
        Assert.Equal(["receipt", "welcome"], engine.Names.Order(StringComparer.Ordinal));
        Assert.Same(engine, provider.GetRequiredService<RazorTemplateEngine>());
    }

    [Fact]
    public void AddRazorTemplate_BlankName_Throws()
    {
        var builder = new ServiceCollection().AddMailSenderTemplates();

        Assert.Throws<ArgumentException>(() => builder.AddRazorTemplate<Welcome>(" "));
    }

    [Fact]
    public async Task AddRazorTemplate_WithImages_ContentCarriesTheProvider()
    {
        var images = new NullFileProvider();
        var services = new ServiceCollection();
        services.AddMailSenderTemplates().AddRazorTemplate<Receipt>("receipt", images);
        await using var provider = services.BuildServiceProvider();

        var content = await provider.GetRequiredService<RazorTemplateEngine>().RenderAsync("receipt", null, CultureInfo.InvariantCulture, default);

        Assert.Same(images, content!.Images);
    }

    [Fact]
    public async Task RenderAsync_ThroughIEmailTemplates_ComposesSubjectHtmlAndText()
    {
        await using var provider = BuildProvider(t => t.AddRazorTemplate<Welcome>("welcome"));
        var templates = provider.GetRequiredService<IEmailTemplates>();

        var message = await templates.RenderAsync("welcome", WelcomeModel.For("Ana"), CultureInfo.GetCultureInfo("en-US"));

        Assert.Equal("Welcome, Ana", message.Subject);
        Assert.Contains("<h1>Hello Ana</h1>", message.HtmlBody, StringComparison.Ordinal);
        Assert.StartsWith("Hello Ana,", message.TextBody, StringComparison.Ordinal);
        Assert.Empty(message.To);
    }

    [Fact]
    public async Task SendTemplateAsync_RazorTemplate_SendsMultipartAlternative()
    {
        await using var provider = BuildProvider(t => t.AddRazorTemplate<Welcome>("welcome").AddRazorTemplate<Receipt>("receipt"));
        var templates = provider.GetRequiredService<IEmailTemplates>();
        var sender = provider.GetRequiredService<IEmailSender>();
        var transport = provider.GetRequiredService<InMemoryEmailTransport>();

        await sender.SendTemplateAsync(templates, "welcome", WelcomeModel.For("<b>Ana</b>"), "ana@example.com", CultureInfo.GetCultureInfo("de-DE"));

        var sent = transport.ShouldHaveSent();
        Assert.Equal(["ana@example.com"], sent.Recipients);

        // What went over the wire, parsed back.
        using var wire = new MemoryStream();
        await sent.Message.WriteToAsync(wire);
        wire.Position = 0;
        var parsed = await MimeMessage.LoadAsync(wire);
        Assert.Equal("Welcome, <b>Ana</b>", parsed.Subject);
        var alternative = Assert.IsType<MultipartAlternative>(parsed.Body);
        Assert.Contains(alternative, part => part is TextPart { IsPlain: true });
        Assert.Contains(alternative, part => part is TextPart { IsHtml: true });
        Assert.Contains("<h1>Hello &lt;b&gt;Ana&lt;/b&gt;</h1>", parsed.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Montag, 2. März 2026", parsed.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("mailsender-", parsed.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendTemplateAsync_TemplateWithoutEmailText_StillHasATextPart()
    {
        await using var provider = BuildProvider(t => t.AddRazorTemplate<Receipt>("receipt"));
        var templates = provider.GetRequiredService<IEmailTemplates>();
        var transport = provider.GetRequiredService<InMemoryEmailTransport>();

        await provider.GetRequiredService<IEmailSender>().SendTemplateAsync(
            templates, "receipt", new { OrderNumber = "R-9", CustomerName = "Bo", Total = 9.5m }, "bo@example.com", CultureInfo.GetCultureInfo("en-US"));

        var sent = transport.ShouldHaveSent();
        Assert.Equal("Receipt R-9", sent.Subject);
        Assert.IsType<MultipartAlternative>(sent.Message.Body);
        Assert.Contains("Order R-9: 9.50", sent.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_CidImageFromTheTemplatesProvider_SentInline()
    {
        var folder = Directory.CreateTempSubdirectory("razor-images-");
        try
        {
            Directory.CreateDirectory(Path.Combine(folder.FullName, "images"));
            byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];
            await File.WriteAllBytesAsync(Path.Combine(folder.FullName, "images", "logo.png"), png);
            using var images = new PhysicalFileProvider(folder.FullName);
            await using var provider = BuildProvider(t => t.AddRazorTemplate<WithLogo>("logo", images));

            var message = await provider.GetRequiredService<IEmailTemplates>().RenderAsync("logo", null);

            var image = Assert.Single(message.BodyParts.OfType<MimePart>(), part => part.ContentType.MediaType == "image");
            Assert.Contains($"src=\"cid:{image.ContentId}\"", message.HtmlBody, StringComparison.Ordinal);
            Assert.IsType<MultipartRelated>(message.Body);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RenderAsync_UnknownName_ThrowsFromIEmailTemplates()
    {
        await using var provider = BuildProvider(t => t.AddRazorTemplate<Welcome>("welcome"));

        var error = await Assert.ThrowsAsync<EmailTemplateException>(
            () => provider.GetRequiredService<IEmailTemplates>().RenderAsync("missing", null));

        Assert.Equal("missing", error.TemplateName);
    }

    [Fact]
    public async Task RenderAsync_ComponentThrows_SurfacesAsEmailTemplateException()
    {
        await using var provider = BuildProvider(t => t.AddRazorTemplate<Throws>("throws"));

        var error = await Assert.ThrowsAsync<EmailTemplateException>(
            () => provider.GetRequiredService<IEmailTemplates>().RenderAsync("throws", null));

        Assert.Contains(typeof(Throws).FullName!, error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(error.InnerException);
    }
}
