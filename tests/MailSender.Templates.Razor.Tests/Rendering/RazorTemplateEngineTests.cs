using System.Globalization;
using MailSender.Templates.Razor.Rendering;
using MailSender.Templates.Razor.Tests.Templates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailSender.Templates.Razor.Tests.Rendering;

public sealed class RazorTemplateEngineTests : IAsyncDisposable
{
    private static readonly CultureInfo EnUs = CultureInfo.GetCultureInfo("en-US");
    private readonly ServiceProvider _services;
    private readonly RazorTemplateEngine _engine;

    public RazorTemplateEngineTests()
    {
        var services = new ServiceCollection();
        services.AddScoped<ScopedCounter>();
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        _engine = new RazorTemplateEngine(
            [
                new RazorTemplate("welcome", typeof(Welcome), null),
                new RazorTemplate("receipt", typeof(Receipt), null),
                new RazorTemplate("title-only", typeof(TitleOnly), null),
                new RazorTemplate("no-subject", typeof(NoSubject), null),
                new RazorTemplate("throws", typeof(Throws), null),
                new RazorTemplate("culture", typeof(CultureProbe), null),
                new RazorTemplate("scoped", typeof(ScopedServiceUser), null),
                new RazorTemplate("with-text", typeof(WithText), null),
                new RazorTemplate("throws-later", typeof(ThrowsLater), null),
                new RazorTemplate("captures", typeof(CapturesAttributes), null),
            ],
            _services.GetRequiredService<IServiceScopeFactory>(),
            NullLoggerFactory.Instance);
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private async Task<EmailContent> RenderAsync(string name, object? model, CultureInfo? culture = null) =>
        await _engine.RenderAsync(name, model, culture ?? EnUs, CancellationToken.None) ?? throw new InvalidOperationException("no content");

    [Fact]
    public async Task RenderAsync_UnknownName_ReturnsNull()
    {
        Assert.Null(await _engine.RenderAsync("nope", null, EnUs, CancellationToken.None));
    }

    [Fact]
    public async Task RenderAsync_TypedModel_SubjectFromEmailSubjectAndMarkersRemoved()
    {
        var content = await RenderAsync("welcome", WelcomeModel.For("Ana"));

        Assert.Equal("Welcome, Ana", content.Subject);
        Assert.Equal("welcome", content.TemplateName);
        Assert.Null(content.Images);
        Assert.Contains("<h1>Hello Ana</h1>", content.Html, StringComparison.Ordinal);
        Assert.Contains("<title>Welcome</title>", content.Html, StringComparison.Ordinal);
        Assert.Contains(".price { font-weight: bold; }", content.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("mailsender-", content.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("Welcome, Ana", content.Html, StringComparison.Ordinal);
        for (var i = 1; i <= 10; i++)
        {
            Assert.Contains($"<li>Item {i}</li>", content.Html, StringComparison.Ordinal);
        }

        Assert.Contains("$1,234.50", content.Html, StringComparison.Ordinal);
        Assert.Contains("Monday, March 2, 2026", content.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_EmailText_BecomesTheTextBodyWithLinesKept()
    {
        var content = await RenderAsync("welcome", WelcomeModel.For("Ana"));

        Assert.Equal(
            "Hello Ana,\n\nyou signed up on Monday, March 2, 2026; your plan costs $1,234.50 a year.",
            content.Text);
        Assert.DoesNotContain("you signed up on Monday", content.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_SubjectAndTextWithEntitiesAndIndentation_DecodedCollapsedAndDedented()
    {
        var content = await RenderAsync("with-text", new { Name = "Bo & <Co>" });

        Assert.Equal("Line one & line two", content.Subject);
        Assert.Equal("Dear Bo & <Co>,\n  indented <kept>\nBye", content.Text);
        Assert.Equal("\n<p>Body</p>\n", content.Html);
    }

    [Fact]
    public async Task RenderAsync_NoEmailSubject_SubjectFromTitleDecodedAndCollapsed()
    {
        var content = await RenderAsync("title-only", new Dictionary<string, object?> { ["Code"] = "X1" });

        Assert.Equal("Your code & X1", content.Subject);
        Assert.Contains("<title>Your  code &amp;  X1</title>", content.Html, StringComparison.Ordinal);
        Assert.Null(content.Text);
    }

    [Fact]
    public async Task RenderAsync_NoSubjectNoTitle_ThrowsNamingTemplateAndComponent()
    {
        var error = await Assert.ThrowsAsync<EmailTemplateException>(() => RenderAsync("no-subject", null));

        Assert.Equal("no-subject", error.TemplateName);
        Assert.Equal(
            $"Razor template 'no-subject' ({typeof(NoSubject).FullName}) gives no subject: add <EmailSubject>…</EmailSubject> or a <title>.",
            error.Message);
    }

    [Fact]
    public async Task RenderAsync_ModelMatchesModelParameter_PassedWhole()
    {
        var content = await RenderAsync("welcome", WelcomeModel.For("Bo"));

        Assert.Equal("Welcome, Bo", content.Subject);
    }

    [Fact]
    public async Task RenderAsync_ModelPropertiesMatchParameters_CaseInsensitive()
    {
        var content = await RenderAsync("receipt", new { orderNumber = "A-17", CustomerName = "Ana", Total = 12.5m });

        Assert.Equal("Receipt A-17", content.Subject);
        Assert.Contains("Dear Ana,", content.Html, StringComparison.Ordinal);
        Assert.Contains("Order A-17: 12.50", content.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_RecordModel_PropertiesToParameters()
    {
        var content = await RenderAsync("receipt", new ReceiptModel("B-2", "Bo", 3m));

        Assert.Contains("Order B-2: 3.00", content.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_DictionaryModels_GiveTheParameters()
    {
        IReadOnlyDictionary<string, object?> readOnly = new Dictionary<string, object?> { ["OrderNumber"] = "C-3", ["Total"] = 1m };
        IDictionary<string, object?> mutable = new Dictionary<string, object?> { ["ordernumber"] = "D-4" };

        Assert.Equal("Receipt C-3", (await RenderAsync("receipt", readOnly)).Subject);
        Assert.Equal("Receipt D-4", (await RenderAsync("receipt", mutable)).Subject);
    }

    [Fact]
    public async Task RenderAsync_NullModel_NoParameters()
    {
        var content = await RenderAsync("receipt", null);

        Assert.Equal("Receipt", content.Subject);
    }

    [Fact]
    public async Task RenderAsync_JsonObjectModel_MembersToParameters()
    {
        var json = System.Text.Json.JsonDocument.Parse("""{ "orderNumber": "J-1", "total": 2.5 }""").RootElement;

        var content = await RenderAsync("receipt", json);

        Assert.Contains("Order J-1: 2.50", content.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_ModelPropertyWithoutParameter_ThrowsNamingPropertyAndComponent()
    {
        var error = await Assert.ThrowsAsync<EmailTemplateException>(() => RenderAsync("receipt", new { OrderNumber = "A", Discount = 5m }));

        Assert.Contains("'Discount'", error.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(Receipt).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains("CustomerName, OrderNumber, Total", error.Message, StringComparison.Ordinal);
        Assert.Equal("receipt", error.TemplateName);
    }

    [Fact]
    public async Task RenderAsync_ModelPropertyOfWrongType_ThrowsNamingPropertyAndTypes()
    {
        var error = await Assert.ThrowsAsync<EmailTemplateException>(() => RenderAsync("receipt", new { Total = "12.50" }));

        Assert.Contains("'Total' is a String, but the parameter Total is a Decimal", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_NullForValueTypeParameter_Throws()
    {
        var error = await Assert.ThrowsAsync<EmailTemplateException>(
            () => RenderAsync("receipt", new Dictionary<string, object?> { ["Total"] = null }));

        Assert.Contains("'Total' is null", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_ModelOfAnotherTypeForModelParameter_ThrowsNamingTheProperties()
    {
        var error = await Assert.ThrowsAsync<EmailTemplateException>(() => RenderAsync("welcome", new { Name = "Ana" }));

        Assert.Contains("'Name'", error.Message, StringComparison.Ordinal);
        Assert.Contains("A model of type WelcomeModel is passed whole as Model.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_ComponentThrows_WrapsWithTemplateComponentAndRazorLine()
    {
        var error = await Assert.ThrowsAsync<EmailTemplateException>(() => RenderAsync("throws", null));

        Assert.Equal(
            $"Razor template 'throws' ({typeof(Throws).FullName}) failed: The order was not found.",
            error.Message);
        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.EndsWith("Throws.razor", error.Path, StringComparison.Ordinal);
        Assert.Equal(7, error.Line);
    }

    [Fact]
    public async Task RenderAsync_ComponentThrowsAfterAwait_WrapsWithInnerException()
    {
        var error = await Assert.ThrowsAsync<EmailTemplateException>(() => RenderAsync("throws-later", null));

        Assert.Equal(
            $"Razor template 'throws-later' ({typeof(ThrowsLater).FullName}) failed: The stock service did not answer.",
            error.Message);
        Assert.IsType<TimeoutException>(error.InnerException);
        Assert.EndsWith("ThrowsLater.razor", error.Path, StringComparison.Ordinal);
        Assert.Equal(7, error.Line);
    }

    [Fact]
    public async Task RenderAsync_ComponentCapturesUnmatchedValues_UnknownPropertiesGoThere()
    {
        var content = await RenderAsync("captures", new Dictionary<string, object?> { ["Name"] = "Ana", ["class"] = "greeting" });

        Assert.Contains("<p class=\"greeting\">Ana</p>", content.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_ModelValues_HtmlEncodedInBodyDecodedInSubject()
    {
        const string Name = "<script>alert(1)</script> & Co";

        var content = await RenderAsync("welcome", WelcomeModel.For(Name));

        Assert.Equal("Welcome, " + Name, content.Subject);
        Assert.DoesNotContain("<script>", content.Html, StringComparison.Ordinal);
        Assert.Contains("<h1>Hello &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co</h1>", content.Html, StringComparison.Ordinal);
        Assert.StartsWith("Hello " + Name + ",", content.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fr-FR")]
    [InlineData("de-DE")]
    [InlineData("en-US")]
    public async Task RenderAsync_Culture_FormatsDatesAndNumbersAcrossAwaits(string name)
    {
        var culture = CultureInfo.GetCultureInfo(name);
        var date = new DateTime(2026, 3, 2, 0, 0, 0, DateTimeKind.Unspecified);
        var before = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);

        var content = await RenderAsync("culture", new { Date = date, Amount = 1234.5m }, culture);

        var expected = $"{name} | {date.ToString("D", culture)} | {1234.5m.ToString("N2", culture)} | {name}";
        Assert.Equal(string.Join(' ', expected.Split(default(char[]), StringSplitOptions.RemoveEmptyEntries)), content.Subject);
        Assert.Equal(before, (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture));
    }

    [Fact]
    public async Task RenderAsync_FrenchAndGerman_DifferFromEnglish()
    {
        var model = new { Date = new DateTime(2026, 3, 2, 0, 0, 0, DateTimeKind.Unspecified), Amount = 1234.5m };

        var fr = (await RenderAsync("culture", model, CultureInfo.GetCultureInfo("fr-FR"))).Subject;
        var de = (await RenderAsync("culture", model, CultureInfo.GetCultureInfo("de-DE"))).Subject;
        var en = (await RenderAsync("culture", model, EnUs)).Subject;

        Assert.Contains("lundi 2 mars 2026", fr, StringComparison.Ordinal);
        Assert.Contains("234,50", fr, StringComparison.Ordinal);
        Assert.Contains("Montag, 2. März 2026", de, StringComparison.Ordinal);
        Assert.Contains("1.234,50", de, StringComparison.Ordinal);
        Assert.Contains("Monday, March 2, 2026 | 1,234.50", en, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_Welcome_PriceInTheCallsCurrency()
    {
        var fr = CultureInfo.GetCultureInfo("fr-FR");

        var content = await RenderAsync("welcome", WelcomeModel.For("Ana"), fr);

        Assert.Contains($"you signed up on lundi 2 mars 2026; your plan costs {1234.5m.ToString("C", fr)} a year.", content.Text, StringComparison.Ordinal);
        Assert.EndsWith("€", 1234.5m.ToString("C", fr), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_ScopedService_OneScopePerRenderingDisposedAfterwards()
    {
        var disposedBefore = Volatile.Read(ref ScopedServiceUser.Disposed);

        var first = await RenderAsync("scoped", null);
        var second = await RenderAsync("scoped", null);

        Assert.NotEqual(first.Subject, second.Subject);
        Assert.Equal(disposedBefore + 2, Volatile.Read(ref ScopedServiceUser.Disposed));
    }

    [Fact]
    public async Task RenderAsync_Cancelled_Throws()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await _engine.RenderAsync("receipt", null, EnUs, cancelled.Token));
    }

    [Fact]
    public async Task RenderAsync_FiftyInParallel_EachGetsItsOwnOutput()
    {
        var cultures = new[] { "en-US", "fr-FR", "de-DE" }.Select(CultureInfo.GetCultureInfo).ToArray();

        var renders = Enumerable.Range(0, 50).Select(i => Task.Run(async () =>
        {
            var culture = cultures[i % cultures.Length];
            var content = await RenderAsync("receipt", new ReceiptModel($"N-{i:000}", $"Customer {i}", i + 0.5m), culture);
            return (i, culture, content);
        })).ToList();
        var results = await Task.WhenAll(renders);

        Assert.Equal(50, results.Select(r => r.content.Html).Distinct().Count());
        foreach (var (i, culture, content) in results)
        {
            Assert.Equal($"Receipt N-{i:000}", content.Subject);
            Assert.Contains($"Dear Customer {i},", content.Html, StringComparison.Ordinal);
            Assert.Contains($"Order N-{i:000}: {(i + 0.5m).ToString("N2", culture)}", content.Html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SharedHtmlRenderer_KeepsEveryRenderedComponent_WhyTheEngineUsesOnePerRendering()
    {
        // HtmlRenderer disposes (and releases) the components it rendered only when it is disposed itself: one renderer
        // for the engine's lifetime would keep every message's component tree and model.
        var disposedBefore = Volatile.Read(ref ScopedServiceUser.Disposed);
        await using var scope = _services.CreateAsyncScope();
        var renderer = new Microsoft.AspNetCore.Components.Web.HtmlRenderer(scope.ServiceProvider, NullLoggerFactory.Instance);
        for (var i = 0; i < 3; i++)
        {
            await renderer.Dispatcher.InvokeAsync(async () =>
                (await renderer.RenderComponentAsync<ScopedServiceUser>()).ToHtmlString());
        }

        Assert.Equal(disposedBefore, Volatile.Read(ref ScopedServiceUser.Disposed));
        await renderer.DisposeAsync();
        Assert.Equal(disposedBefore + 3, Volatile.Read(ref ScopedServiceUser.Disposed));
    }

    private sealed record ReceiptModel(string OrderNumber, string CustomerName, decimal Total);
}
