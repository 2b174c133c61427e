using System.CommandLine;
using MailSender.Cli.Output;
using MailSender.Outbox;
using MailSender.Outbox.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace MailSender.Cli.Outbox;

/// <summary>What the outbox commands share: the <c>--outbox STORE</c> option, where a store comes from, and the services over it.</summary>
internal static class OutboxCli
{
    /// <summary>The environment variable with the store when <c>--outbox</c> is absent.</summary>
    public const string StoreVariable = "MAILSENDER_OUTBOX";

    /// <summary>The configuration key's environment form (<c>MailSender:Outbox:Store</c>), also read when <c>--outbox</c> is absent.</summary>
    public const string ConfigurationVariable = "MailSender__Outbox__Store";

    public static Option<string> StoreOption(bool required = true) => new("--outbox")
    {
        Description = "The outbox: sqlite:PATH or postgres:CONNECTION-STRING (also postgres://user:pass@host/db). " +
            $"Default: ${StoreVariable}, else ${ConfigurationVariable}." + (required ? string.Empty : " With it, send enqueues instead of sending."),
        HelpName = "STORE",
    };

    public static Option<bool> JsonOption(string what) => new("--json") { Description = what };

    /// <summary>The store from <c>--outbox</c> or the environment; a usage error naming <c>--outbox</c> when there is none or it is malformed.</summary>
    public static string ResolveStore(string? option, CliContext context)
    {
        var store = option;
        var source = "--outbox";
        foreach (var variable in new[] { StoreVariable, ConfigurationVariable })
        {
            if (string.IsNullOrWhiteSpace(store) && context.GetEnvironmentVariable(variable) is { Length: > 0 } value)
            {
                store = value;
                source = "$" + variable;
            }
        }

        if (string.IsNullOrWhiteSpace(store))
        {
            throw new UsageException("No outbox given: pass --outbox STORE.", $"For example --outbox sqlite:outbox.db, or set {StoreVariable}.");
        }

        try
        {
            StoreLocation.Split(store);
        }
        catch (EmailSendException ex)
        {
            throw new UsageException($"{source}: {ex.Message}", "Use sqlite:PATH or postgres:CONNECTION-STRING, e.g. --outbox sqlite:outbox.db.", ex);
        }

        return store;
    }

    /// <summary>A redactor that hides the store's password (in a postgres:// URI or a Password= keyword) in errors.</summary>
    public static SecretRedactor Redactor(string? store)
    {
        if (store is null)
        {
            return SecretRedactor.None;
        }

        if (store.Contains("://", StringComparison.Ordinal))
        {
            return SecretRedactor.ForTransport(store);
        }

        var match = System.Text.RegularExpressions.Regex.Match(store, @"(?i)(?:^|[;:])\s*(?:password|pwd)\s*=\s*([^;]*)");
        return match.Success ? SecretRedactor.ForPassword(match.Groups[1].Value.Trim()) : SecretRedactor.None;
    }

    /// <summary>
    /// The services of an outbox command: MailSender with <paramref name="transport"/> (the sender that delivers, or, for
    /// commands that do not send, the default one, only for its default From) and the outbox on <paramref name="store"/>.
    /// </summary>
    public static ServiceProvider Build(CliContext context, string store, string transport, string? defaultFrom, Action<OutboxOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddMailSender(options =>
        {
            options.Transport = transport;
            options.DefaultFrom = defaultFrom;
            if (CliDefaults.HasUserWithoutPassword(transport))
            {
                options.Password = context.GetEnvironmentVariable(CliDefaults.PasswordVariable);
            }
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

    /// <summary>The library's error, with its configuration keys named as the CLI's options.</summary>
    public static EmailSendException ForCli(EmailSendException error) =>
        error.Hint?.Contains("MailSender:Outbox:Store", StringComparison.Ordinal) == true || error.Message.Contains("MailSender:Outbox:Store", StringComparison.Ordinal)
            ? new EmailSendException(error.Kind, error.Message.Replace("MailSender:Outbox:Store", "--outbox", StringComparison.Ordinal), error)
            {
                Hint = error.Hint?.Replace("MailSender:Outbox:Store", "--outbox", StringComparison.Ordinal).Replace("MailSender:Outbox:ShareDatabase=true", "'mailsender outbox init --outbox STORE'", StringComparison.Ordinal),
                IsTransient = error.IsTransient,
            }
            : error;

    /// <summary>Opens the outbox (schema created if needed), so a wrong, corrupt or foreign store fails here with a clear error.</summary>
    public static async Task<IEmailOutbox> OpenAsync(IServiceProvider provider, CancellationToken cancellationToken)
    {
        var outbox = provider.GetRequiredService<IEmailOutbox>();
        await outbox.GetStatisticsAsync(cancellationToken).ConfigureAwait(false);
        return outbox;
    }
}
