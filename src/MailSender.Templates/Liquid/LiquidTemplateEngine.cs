using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using System.Text.RegularExpressions;
using Fluid;
using Fluid.Values;
using Microsoft.Extensions.Primitives;

namespace MailSender.Templates.Liquid;

/// <summary>
/// Liquid templates through Fluid. Each file is parsed once and kept (re-read only when changes are watched); a
/// rendering creates only a <see cref="TemplateContext"/>. Model values are HTML-encoded in the HTML body unless a
/// template marks them <c>| raw</c>; the subject and the text body are not encoded.
/// </summary>
internal sealed partial class LiquidTemplateEngine : IEmailTemplateEngine, IDisposable
{
    // Encodes what HTML needs (< > & " ') but leaves letters of every script as they are: "décembre", not "d&#xE9;cembre".
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    private readonly TemplateFiles _files;
    private readonly bool _strict;
    private readonly TemplateOptions _fluidOptions;
    private readonly ConcurrentDictionary<string, ParsedTemplate?> _parsed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IFluidTemplate> _partials = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Name, string Culture), ResolvedTemplate?> _resolved = new();
    private readonly IDisposable? _watching;
    private readonly IDisposable? _ownedFiles;

    public LiquidTemplateEngine(TemplateFiles files, EmailTemplateOptions options, IDisposable? ownedFiles = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(options);
        _files = files;
        _ownedFiles = ownedFiles;
        _strict = options.MissingValues == MissingValueHandling.Error;

        var builder = new TemplateOptionsBuilder()
            .WithModelNamesComparer(StringComparer.OrdinalIgnoreCase)
            .WithFileProvider(new PartialFiles(files, options.WatchForChanges))
            // Partials come from the same parsed files as templates and layouts: one parse per file, start-up included.
            .WithTemplateCache(new PartialCache(this))
            // Bounds for templates that people other than developers edit: a loop or an include cycle cannot run away.
            .WithMaxRecursion(20)
            .WithMaxSteps(1_000_000)
            .WithMaxOutputSize(16 * 1024 * 1024);
        if (_strict)
        {
            // Called only for a member the object does not have (a null member is a value); StrictVariables would
            // also reject null members, which optional fields have.
            builder = builder.WithUndefined(static (name, _) => throw new MissingValueException(name));
        }

        _fluidOptions = builder.Build();

        if (options.WatchForChanges)
        {
            _watching = ChangeToken.OnChange(files.Watch, () =>
            {
                _parsed.Clear();
                _partials.Clear();
                _resolved.Clear();
            });
        }
    }

    /// <summary>Where templates are read from, for error messages.</summary>
    public string Describe() => _files.Sources.Count == 0 ? "no template folder or source is configured" : _files.Describe();

    public async ValueTask<EmailContent?> RenderAsync(string name, object? model, CultureInfo culture, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(culture);
        if (!LiquidTemplateNames.IsValidName(name))
        {
            throw new EmailTemplateException(name, $"'{name}' is not a template name: give the path below the template folder without the extension, for example 'welcome' or 'account/reset'.");
        }

        var resolved = _resolved.GetOrAdd((name, culture.Name), static (key, state) => state.Self.Resolve(key.Name, state.Culture), (Self: this, Culture: culture));
        if (resolved is null)
        {
            return null;
        }

        var data = JsonModel.Convert(model, _strict);
        var context = CreateContext(data, culture, cancellationToken);
        var html = await RenderWithLayoutsAsync(name, resolved.Html, context, Html, text: false, culture).ConfigureAwait(false);
        if (!context.AmbientValues.TryGetValue(LiquidParser.SubjectKey, out var subject) || subject is not string subjectText)
        {
            throw new EmailTemplateException(name, $"Template '{name}' ({resolved.Html.File}) has no subject: add {{% subject %}}…{{% endsubject %}} to it.")
            {
                Path = resolved.Html.File.Path,
            };
        }

        string? textBody = null;
        if (resolved.Text is { } textTemplate)
        {
            var textContext = CreateContext(data, culture, cancellationToken);
            textBody = await RenderWithLayoutsAsync(name, textTemplate, textContext, NullEncoder.Default, text: true, culture).ConfigureAwait(false);
            textBody = textBody.Trim('\r', '\n') + "\n";
        }

        return new EmailContent
        {
            Subject = subjectText,
            Html = html,
            Text = textBody,
            TemplateName = LiquidTemplateNames.VariantName(name, resolved.Culture),
            Images = resolved.Html.File.Source.Files,
        };
    }

    /// <summary>
    /// Parses every template file now and keeps them, so a broken one fails start-up instead of a send, and no file is
    /// parsed again when it is first rendered.
    /// </summary>
    public IReadOnlyList<EmailTemplateException> ParseAll()
    {
        var failures = new List<EmailTemplateException>();
        foreach (var file in _files.EnumerateAll())
        {
            try
            {
                // Kept: the engine that passed this check is the one the application renders with.
                var parsed = _parsed.GetOrAdd(file.Path, static (_, file) => Parse(file), file)!;
                var isBody = LiquidTemplateNames.IsMessageTemplate(file.Path)
                    && !file.Path.EndsWith(LiquidTemplateNames.TextSuffix + LiquidTemplateNames.Extension, StringComparison.OrdinalIgnoreCase);
                if (isBody && !SubjectTag().IsMatch(parsed.Source))
                {
                    failures.Add(new EmailTemplateException(file.Path, $"Template {file} has no subject: add {{% subject %}}…{{% endsubject %}} to it.") { Path = file.Path });
                }
            }
            catch (EmailTemplateException exception)
            {
                failures.Add(exception);
            }
        }

        return failures;
    }

    public void Dispose()
    {
        _watching?.Dispose();
        _ownedFiles?.Dispose();
    }

    private TemplateContext CreateContext(object? data, CultureInfo culture, CancellationToken cancellationToken) =>
        new(data ?? new Dictionary<string, object?>(), _fluidOptions)
        {
            CultureInfo = culture,
            CancellationToken = cancellationToken,
        };

    private ResolvedTemplate? Resolve(string name, CultureInfo culture)
    {
        foreach (var candidate in LiquidTemplateNames.CultureChain(culture))
        {
            if (GetParsed(LiquidTemplateNames.HtmlPath(name, candidate), name) is { } html)
            {
                // The text body follows the HTML's variant: a French message never gets the English text.
                var text = GetParsed(LiquidTemplateNames.TextPath(name, candidate), name);
                return new ResolvedTemplate(html, text, candidate);
            }
        }

        return null;
    }

    private ParsedTemplate? GetParsed(string path, string name) =>
        _parsed.GetOrAdd(path, static (key, state) => state.Self._files.Find(key) is { } file ? Parse(file, state.Name) : null, (Self: this, Name: name));

    private static ParsedTemplate Parse(TemplateFile file, string? name = null)
    {
        var source = file.ReadAllText();
        try
        {
            return new ParsedTemplate(file, LiquidParser.Instance.Parse(source), source);
        }
        catch (ParseException exception)
        {
            var position = exception.Position;
            var what = exception.Message.Split('\n')[0].Trim();
            what = PositionSuffix().Replace(what, string.Empty);
            throw new EmailTemplateException(
                name ?? file.Path,
                position is { } at
                    ? $"Template {file} does not parse: line {at.Line}, column {at.Column}: {what}."
                    : $"Template {file} does not parse: {what}.",
                exception)
            {
                Path = file.Path,
                Line = position?.Line,
                Column = position?.Column,
            };
        }
    }

    private async ValueTask<string> RenderWithLayoutsAsync(string name, ParsedTemplate template, TemplateContext context, TextEncoder encoder, bool text, CultureInfo culture)
    {
        var current = template;
        var output = await RenderOneAsync(name, current, context, encoder).ConfigureAwait(false);

        // A layout may name a layout of its own; the bound stops a cycle.
        for (var depth = 0; context.AmbientValues.Remove(LiquidParser.LayoutKey, out var layout) && layout is string layoutName; depth++)
        {
            if (depth == 5)
            {
                throw new EmailTemplateException(name, $"Template '{name}' nests layouts more than 5 deep ({current.File}): is there a cycle?") { Path = current.File.Path };
            }

            current = FindLayout(layoutName, text, culture)
                ?? throw new EmailTemplateException(
                    name,
                    $"Template {current.File} uses the layout '{layoutName}', but {LiquidTemplateNames.LayoutFolder}{layoutName}{(text ? LiquidTemplateNames.TextSuffix : string.Empty)}{LiquidTemplateNames.Extension} is not in {Describe()}.")
                {
                    Path = current.File.Path,
                };
            // The line break after {% layout %} and {% subject %} at the top of a body is not content.
            context.SetValue(LiquidParser.ContentForLayout, StringValue.Create(output.TrimStart('\r', '\n'), encode: false));
            output = await RenderOneAsync(name, current, context, encoder).ConfigureAwait(false);
        }

        return output;
    }

    private ParsedTemplate? FindLayout(string layoutName, bool text, CultureInfo culture)
    {
        if (!LiquidTemplateNames.IsValidName(layoutName))
        {
            return null;
        }

        var name = LiquidTemplateNames.LayoutFolder + layoutName;
        foreach (var candidate in LiquidTemplateNames.CultureChain(culture))
        {
            var path = text ? LiquidTemplateNames.TextPath(name, candidate) : LiquidTemplateNames.HtmlPath(name, candidate);
            if (GetParsed(path, name) is { } layout)
            {
                return layout;
            }
        }

        return null;
    }

    private async ValueTask<string> RenderOneAsync(string name, ParsedTemplate template, TemplateContext context, TextEncoder encoder)
    {
        try
        {
            // Not isolated: what a body assigns ({% assign %}, {% capture %}) is there for its layout, as in Shopify's Liquid.
            return await template.Template.RenderAsync(context, encoder, isolateContext: false).ConfigureAwait(false);
        }
        catch (MissingValueException missing)
        {
            var (line, column) = Locate(template.Source, missing.Name);
            var where = line is null ? template.File.ToString() : $"{template.File}, line {line}, column {column}";
            throw new EmailTemplateException(
                name,
                $"Template '{name}' ({where}) reads '{missing.Name}', which the model does not have. Add it to the model, or set MailSender:Templates:MissingValues=Empty to render missing values as empty text.",
                missing)
            {
                Path = template.File.Path,
                Line = line,
                Column = column,
            };
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (FileNotFoundException)
        {
            // Fluid's message names the path, which may be anything a template wrote; the template's own name is enough.
            throw new EmailTemplateException(name, $"Template '{name}' ({template.File}) renders or includes a partial that is not in {Describe()}: partials are read from the template sources only, at their root or in {LiquidTemplateNames.PartialFolder}.") { Path = template.File.Path };
        }
        catch (ParseException exception)
        {
            // A partial parsed on first use.
            throw new EmailTemplateException(name, $"Template '{name}' ({template.File}) renders a partial that does not parse: {exception.Message.Split('\n')[0].Trim()}.", exception) { Path = template.File.Path };
        }
        catch (Exception exception) when (exception is FluidException or InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            throw new EmailTemplateException(name, $"Template '{name}' ({template.File}) failed: {exception.Message}", exception) { Path = template.File.Path };
        }
    }

    /// <summary>Where a missing name is first used in a Liquid tag or output, for the error message (1-based).</summary>
    private static (int? Line, int? Column) Locate(string source, string name)
    {
        foreach (Match tag in LiquidMarkup().Matches(source))
        {
            var match = Regex.Match(tag.Value, @"(?<![\w'""])" + Regex.Escape(name) + @"(?![\w'""])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            if (match.Success)
            {
                var offset = tag.Index + match.Index;
                var line = 1 + source.AsSpan(0, offset).Count('\n');
                var lineStart = offset == 0 ? 0 : source.LastIndexOf('\n', offset - 1) + 1;
                var column = offset - lineStart + 1;
                return (line, column);
            }
        }

        return (null, null);
    }

    [GeneratedRegex(@"\{%-?\s*subject\s*-?%\}", RegexOptions.CultureInvariant)]
    private static partial Regex SubjectTag();

    [GeneratedRegex(@"\s+at \(\d+:\d+\)$", RegexOptions.CultureInvariant)]
    private static partial Regex PositionSuffix();

    [GeneratedRegex(@"\{\{.*?\}\}|\{%.*?%\}", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex LiquidMarkup();

    /// <summary>
    /// Fluid's cache of partials, keyed by path (<see cref="PartialFiles"/> gives the path as the key): a partial parsed
    /// at start-up or as a template is not parsed again. Edits are dropped by the watch, not by the file's time.
    /// </summary>
    private sealed class PartialCache(LiquidTemplateEngine engine) : ITemplateCache
    {
        public bool TryGetTemplate(string key, DateTimeOffset modified, out IFluidTemplate template)
        {
            if (engine._parsed.TryGetValue(key, out var parsed) && parsed is not null)
            {
                template = parsed.Template;
                return true;
            }

            return engine._partials.TryGetValue(key, out template!);
        }

        public void SetTemplate(string key, DateTimeOffset modified, IFluidTemplate template) => engine._partials[key] = template;
    }

    private sealed record ParsedTemplate(TemplateFile File, IFluidTemplate Template, string Source);

    private sealed record ResolvedTemplate(ParsedTemplate Html, ParsedTemplate? Text, CultureInfo Culture);
}
