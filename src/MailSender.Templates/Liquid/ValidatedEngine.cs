namespace MailSender.Templates.Liquid;

/// <summary>
/// Hands the engine the start-up check built (and that parsed every file) to the container, so the application renders
/// with it and no file is read or parsed twice. The check runs when the options are created; the container asks for
/// the engine right after, with the same options instance.
/// </summary>
internal sealed class ValidatedEngine : IDisposable
{
    private readonly object _lock = new();
    private (EmailTemplateOptions Options, LiquidTemplateEngine Engine)? _offered;

    public void Offer(EmailTemplateOptions options, LiquidTemplateEngine engine)
    {
        lock (_lock)
        {
            // Options created again (a reload) replace an engine nobody took.
            _offered?.Engine.Dispose();
            _offered = (options, engine);
        }
    }

    public LiquidTemplateEngine? Take(EmailTemplateOptions options)
    {
        lock (_lock)
        {
            if (_offered is { } offered && ReferenceEquals(offered.Options, options))
            {
                _offered = null;
                return offered.Engine;
            }

            return null;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _offered?.Engine.Dispose();
            _offered = null;
        }
    }
}
