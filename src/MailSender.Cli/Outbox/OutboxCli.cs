using System.CommandLine;
using System.Text.RegularExpressions;
using MailSender.Cli.Output;
using MailSender.Outbox;
using MailSender.Outbox.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailSender.Cli.Outbox;

/// <summary>What the outbox commands share: the <c>--outbox STORE</c> option, where a store comes from, and the services over it.</summary>
internal static partial class OutboxCli
{
    /// <summary>The environment variable with the store when <c>--outbox</c> is absent.</summary>
    public const string StoreVariable = "MAILSENDER_OUTBOX";

    /// <summary>The configuration key's environment form (<c>MailSender:Outbox:Store</c>), read when <c>--outbox</c> and <see cref="StoreVariable"/> are absent.</summary>
    public const string ConfigurationVariable = "MailSender__Outbox__Store";

    private const string StoreSyntax = "sqlite:PATH or postgres:CONNECTION-STRING (also postgres://user@host/db)";

    /// <summary>The option of <c>worker</c> and the <c>outbox</c> commands, which need a store.</summary>
    public static Option<string> StoreOption() => new("--outbox")
    {
        Description = $"The outbox: {StoreSyntax}. Default: ${StoreVariable}, else ${ConfigurationVariable}.",
        HelpName = "STORE",
    };

    /// <summary>The option of <c>send</c>: only given explicitly, so an environment variable never turns sends into enqueues.</summary>
    public static Option<string> SendOption() => new("--outbox")
    {
        Description = $"Enqueue the message in this outbox instead of sending it ({StoreSyntax}); 'mailsender worker' delivers it. Prints its id.",
        HelpName = "STORE",
    };

    /// <summary>The store the environment gives, if any: <see cref="StoreVariable"/>, else <see cref="ConfigurationVariable"/>.</summary>
    public static string? StoreFromEnvironment(CliContext context) =>
        new[] { StoreVariable, ConfigurationVariable }.Select(context.GetEnvironmentVariable).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    /// <summary>The store from <c>--outbox</c> or the environment; a usage error naming where it came from when there is none or it is malformed.</summary>
    public static string ResolveStore(string? option, CliContext context)
    {
        var store = option;
        var source = "--outbox";
        if (string.IsNullOrWhiteSpace(store))
        {
            store = context.GetEnvironmentVariable(StoreVariable);
            source = "$" + StoreVariable;
        }

        if (string.IsNullOrWhiteSpace(store))
        {
            store = context.GetEnvironmentVariable(ConfigurationVariable);
            source = "$" + ConfigurationVariable;
        }

        if (string.IsNullOrWhiteSpace(store))
        {
            throw new UsageException("No outbox given: pass --outbox STORE.", $"For example --outbox sqlite:outbox.db, or set {StoreVariable}.");
        }

        string scheme;
        try
        {
            scheme = StoreLocation.Split(store).Scheme;
        }
        catch (EmailSendException ex)
        {
            throw new UsageException($"{source}: {ex.Message}", "Use sqlite:PATH or postgres:CONNECTION-STRING, e.g. --outbox sqlite:outbox.db.", ex);
        }

        if (scheme is not ("sqlite" or "postgres" or "postgresql"))
        {
            throw new UsageException($"{source}: the outbox store scheme '{scheme}' is unknown: use sqlite:PATH or postgres:CONNECTION-STRING.", "For example --outbox sqlite:outbox.db or --outbox postgres:Host=db;Database=app;Username=app.");
        }

        return store;
    }

    /// <summary>A redactor that hides the store's passwords (in a postgres:// URI, a Password= keyword or a ?password= parameter).</summary>
    public static SecretRedactor Redactor(string? store)
    {
        if (string.IsNullOrEmpty(store))
        {
            return SecretRedactor.None;
        }

        var redactor = store.Contains("://", StringComparison.Ordinal) ? SecretRedactor.ForTransport(store) : SecretRedactor.None;
        foreach (Match match in PasswordSetting().Matches(store))
        {
            // Both readings: to the next ';' (a connection string) and to the next '&' (a URI's query).
            var value = match.Groups[1].Value.Trim();
            redactor = redactor.With(SecretRedactor.ForPassword(value)).With(SecretRedactor.ForPassword(value.Split('&')[0]));
        }

        return redactor;
    }

    /// <summary>Warns that a password in <c>--outbox</c> can be read by others; never prints it.</summary>
    public static void WarnPasswordOnCommandLine(ConsoleReporter reporter) =>
        reporter.WriteWarning("the password in --outbox is visible to other users in the process list and stays in the shell history; " +
            $"leave it out and use PGPASSWORD or a .pgpass file, or put the store in {StoreVariable}.");

    /// <summary>
    /// The services of an outbox command: MailSender with <paramref name="transport"/> (the sender that delivers, or, for
    /// commands that do not send, the default one, only for its default From) and the outbox on <paramref name="store"/>.
    /// </summary>
    /// <remarks>The library's log goes to <paramref name="logger"/> (the worker's warnings), or nowhere when it is <see langword="null"/>.</remarks>
    public static ServiceProvider Build(CliContext context, string store, string transport, string? defaultFrom, Action<OutboxOptions>? configure = null, ILoggerFactory? logger = null, Action<MailSenderOptions>? configureSender = null)
    {
        var services = new ServiceCollection();
        if (logger is not null)
        {
            services.AddSingleton(logger);
        }

        services.AddMailSender(options =>
        {
            options.Transport = transport;
            options.DefaultFrom = defaultFrom;
            if (CliDefaults.HasUserWithoutPassword(transport))
            {
                options.Password = context.GetEnvironmentVariable(CliDefaults.PasswordVariable);
            }

            configureSender?.Invoke(options);
        }).AddOutbox(options =>
        {
            options.Store = store;
            options.RunWorker = false;

            // A command finishes by itself; keeping finished messages is the operator's choice (outbox purge).
            options.RetainFinished = null;
            configure?.Invoke(options);
        }).AddPostgreSql();
        return services.BuildServiceProvider();
    }

    /// <summary>A duration as the CLI writes them: 90s, 30m, 12h, 7d (or what the transport URIs accept).</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        text = text.Trim();
        if (text.EndsWith('d') && double.TryParse(text.AsSpan(0, text.Length - 1), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var days)
            && days is >= 0 and <= 36500)
        {
            value = TimeSpan.FromDays(days);
            return true;
        }

        return MailSender.Internal.SettingParser.TryParseDuration(text, out value);
    }

    /// <summary>
    /// Gets the names of the settings in the outbox commands: the sender's, the store, the worker's options, and the
    /// advice about settings they have no option for.
    /// </summary>
    public static SettingNames Names { get; } = SettingNames.Sender
        .With("MailSender:Outbox:Store", "--outbox")
        .With("MailSender:Outbox:Concurrency", "--concurrency")
        .With("MailSender:Outbox:LeaseDuration", "--lease")
        .With("MailSender:Outbox:RateLimit", "--rate")
        .With("MailSender:Outbox:MaxMessageSize", "the outbox's limit")
        .WithAdvice("set MailSender:Outbox:ShareDatabase=true", "run 'mailsender outbox init' on it once")
        .WithAdvice("raise MailSender:Outbox:MaxMessageSize", "send it without --outbox");

    /// <summary>Opens the outbox (schema created if needed), so a wrong, corrupt or foreign store fails here with a clear error.</summary>
    public static async Task<IEmailOutbox> OpenAsync(IServiceProvider provider, CancellationToken cancellationToken)
    {
        var outbox = provider.GetRequiredService<IEmailOutbox>();
        await outbox.GetStatisticsAsync(cancellationToken).ConfigureAwait(false);
        return outbox;
    }

    [GeneratedRegex(@"(?i)(?:password|pwd)\s*=\s*([^;]*)")]
    private static partial Regex PasswordSetting();
}
