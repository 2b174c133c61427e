using System.Globalization;
using MailSender.Templates.Liquid;

namespace MailSender.Templates.Tests.Liquid;

public sealed class WatchForChangesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mailsender-templates-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task EditOnDisk_IsPickedUpWhenWatched_AndNeverOtherwise()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "_partials"));
        await File.WriteAllTextAsync(Path.Combine(_folder, "note.liquid"), "{% subject %}Version 1{% endsubject %}<p>body 1</p>{% render 'sig' %}");
        await File.WriteAllTextAsync(Path.Combine(_folder, "_partials", "sig.liquid"), "<i>sig 1</i>");
        using var watching = LiquidEngineFactory.Create(new EmailTemplateOptions { Directory = _folder, WatchForChanges = true }, []);
        using var production = LiquidEngineFactory.Create(new EmailTemplateOptions { Directory = _folder }, []);
        Assert.Equal("<p>body 1</p><i>sig 1</i>", (await RenderAsync(watching)).Html);
        Assert.Equal("<p>body 1</p><i>sig 1</i>", (await RenderAsync(production)).Html);

        await File.WriteAllTextAsync(Path.Combine(_folder, "note.liquid"), "{% subject %}Version 2{% endsubject %}<p>body 2</p>{% render 'sig' %}");
        await File.WriteAllTextAsync(Path.Combine(_folder, "_partials", "sig.liquid"), "<i>sig 2</i>");

        // The watching engine sees both edits once the file system reports them (a few milliseconds with inotify).
        var deadline = DateTime.UtcNow.AddSeconds(15);
        EmailContent seen;
        while ((seen = await RenderAsync(watching)).Html != "<p>body 2</p><i>sig 2</i>" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal("Version 2", seen.Subject);
        Assert.Equal("<p>body 2</p><i>sig 2</i>", seen.Html);

        // By now the change has long been visible: the production engine still renders what it parsed first.
        var unchanged = await RenderAsync(production);
        Assert.Equal("Version 1", unchanged.Subject);
        Assert.Equal("<p>body 1</p><i>sig 1</i>", unchanged.Html);
    }

    [Fact]
    public async Task NewTemplateOnDisk_IsFoundWhenWatched()
    {
        using var watching = LiquidEngineFactory.Create(new EmailTemplateOptions { Directory = _folder, WatchForChanges = true }, []);
        Assert.Null(await watching.RenderAsync("later", null, CultureInfo.InvariantCulture, default));

        await File.WriteAllTextAsync(Path.Combine(_folder, "later.liquid"), "{% subject %}Later{% endsubject %}<p>x</p>");

        var deadline = DateTime.UtcNow.AddSeconds(15);
        EmailContent? found;
        while ((found = await watching.RenderAsync("later", null, CultureInfo.InvariantCulture, default)) is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal("Later", found?.Subject);
    }

    private static async Task<EmailContent> RenderAsync(LiquidTemplateEngine engine) =>
        await engine.RenderAsync("note", null, CultureInfo.InvariantCulture, default) ?? throw new InvalidOperationException("not found");
}
