using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using Fluid;
using Fluid.Values;
using MailSender.Benchmarks.Templating;
using MailSender.Templates;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailSender.Benchmarks;

/// <summary>
/// What a templated welcome mail (a layout, 20 fields, a loop of 10 rows) costs against building the same
/// <see cref="MimeMessage"/> by hand (the baseline) and against Fluid used directly, the Liquid renderer's own time.
/// Each case ends with the message built (subject, HTML and text parts), not written or sent.
/// </summary>
/// <remarks>
/// The issue's target: <c>MailSenderLiquid</c> costs at most 1.2x <c>FluidByHand</c> (the hand-built message plus the
/// renderer's own time), and no template is parsed per message: every case renders templates parsed in the setup, so
/// a per-message parse would show as time and allocations above <c>FluidByHand</c>. <c>MailSenderLiquidTextGiven</c>
/// renders a text template as <c>FluidByHand</c> does; <c>MailSenderLiquid</c> makes the text part from the HTML, so the
/// difference between the two is the composer's HTML-to-text conversion. The setup checks that the cases produce the
/// same subject and the same HTML (whitespace aside), so they measure the same work.
/// </remarks>
[MemoryDiagnoser]
public class TemplateBenchmarks
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    private readonly WelcomeModel _model = WelcomeModel.Create();
    private string _folder = null!;
    private ServiceProvider _provider = null!;
    private IEmailTemplates _templates = null!;
    private TemplateOptions _fluidOptions = null!;
    private IFluidTemplate _fluidLayout = null!;
    private IFluidTemplate _fluidSubject = null!;
    private IFluidTemplate _fluidBody = null!;
    private IFluidTemplate _fluidText = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        // MailSender: the templates as files of a folder (parsed once), and the Razor component.
        _folder = WelcomeTemplates.WriteFolder();
        var services = new ServiceCollection();
        services.AddMailSenderTemplates(options => options.Directory = _folder).AddRazorTemplate<WelcomeEmail>("welcome-razor");
        _provider = services.BuildServiceProvider();
        _templates = _provider.GetRequiredService<IEmailTemplates>();

        // Fluid by hand: what a user of Fluid writes, the same templates parsed once, names matched in any case.
        var parser = new FluidParser();
        _fluidOptions = new TemplateOptionsBuilder().WithModelNamesComparer(StringComparer.OrdinalIgnoreCase).Build();
        _fluidLayout = parser.Parse(WelcomeTemplates.Layout);
        _fluidSubject = parser.Parse(WelcomeTemplates.Subject);
        _fluidBody = parser.Parse(WelcomeTemplates.Body);
        _fluidText = parser.Parse(WelcomeTemplates.Text);

        await CheckTheCasesAgreeAsync();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "Hand-built: StringBuilder + BodyBuilder")]
    public MimeMessage HandBuiltMimeMessage() =>
        Message(HandBuiltWelcome.Subject(_model), HandBuiltWelcome.Html(_model), HandBuiltWelcome.Text(_model));

    [Benchmark(Description = "Fluid by hand: pre-parsed templates + BodyBuilder")]
    public async Task<MimeMessage> FluidByHand()
    {
        var context = new TemplateContext(_model, _fluidOptions);
        var subject = await _fluidSubject.RenderAsync(context, NullEncoder.Default);
        var body = await _fluidBody.RenderAsync(context, Html);
        context.SetValue("content_for_layout", StringValue.Create(body, encode: false));
        var html = await _fluidLayout.RenderAsync(context, Html);
        var text = await _fluidText.RenderAsync(context, NullEncoder.Default);
        return Message(subject, html, text);
    }

    [Benchmark(Description = "MailSender Liquid (text part from the HTML)")]
    public Task<MimeMessage> MailSenderLiquid() => _templates.RenderAsync(WelcomeTemplates.HtmlOnlyName, _model);

    [Benchmark(Description = "MailSender Liquid (text template given)")]
    public Task<MimeMessage> MailSenderLiquidTextGiven() => _templates.RenderAsync(WelcomeTemplates.WithTextName, _model);

    [Benchmark(Description = "MailSender Razor (text part from the HTML)")]
    public Task<MimeMessage> MailSenderRazor() => _templates.RenderAsync("welcome-razor", _model);

    private static MimeMessage Message(string subject, string html, string text) => new()
    {
        Subject = subject,
        Body = new BodyBuilder { HtmlBody = html, TextBody = text }.ToMessageBody(),
    };

    /// <summary>Fails the run when the cases do not build the same message, so a figure never compares different work.</summary>
    private async Task CheckTheCasesAgreeAsync()
    {
        var expected = HandBuiltMimeMessage();
        var cases = new Dictionary<string, MimeMessage>
        {
            [nameof(FluidByHand)] = await FluidByHand(),
            [nameof(MailSenderLiquid)] = await MailSenderLiquid(),
            [nameof(MailSenderLiquidTextGiven)] = await MailSenderLiquidTextGiven(),
            [nameof(MailSenderRazor)] = await MailSenderRazor(),
        };
        foreach (var (name, message) in cases)
        {
            var problems = new List<string>();
            if (message.Subject != expected.Subject)
            {
                problems.Add($"subject '{message.Subject}', expected '{expected.Subject}'");
            }

            if (string.IsNullOrWhiteSpace(message.TextBody) || !message.TextBody.Contains("Starter item 10", StringComparison.Ordinal))
            {
                problems.Add("no text part with the last row");
            }

            // Razor writes its own whitespace and attribute quoting; Liquid and the hand-built HTML must match exactly.
            if (name != nameof(MailSenderRazor) && Squeeze(message.HtmlBody) != Squeeze(expected.HtmlBody))
            {
                problems.Add("HTML differs from the hand-built HTML:\n" + message.HtmlBody + "\n---- expected:\n" + expected.HtmlBody);
            }
            else if (message.HtmlBody?.Contains("<td>Starter item 10</td>", StringComparison.Ordinal) != true)
            {
                problems.Add("no HTML row for the last item");
            }

            if (problems.Count > 0)
            {
                throw new InvalidOperationException($"{name}: {string.Join("; ", problems)}");
            }
        }

        // The text template renders the same text as the hand-built one.
        if (Squeeze(cases[nameof(MailSenderLiquidTextGiven)].TextBody) != Squeeze(expected.TextBody) || Squeeze(cases[nameof(FluidByHand)].TextBody) != Squeeze(expected.TextBody))
        {
            throw new InvalidOperationException("The text template does not render the hand-built text:\n" + cases[nameof(MailSenderLiquidTextGiven)].TextBody + "\n---- expected:\n" + expected.TextBody);
        }
    }

    private static string Squeeze(string? text) => Regex.Replace(text ?? string.Empty, @"\s+", string.Empty);
}
