namespace MailSender.Outbox.Storage;

/// <summary>Opens stores of one scheme (<c>sqlite</c>, <c>postgres</c>); registered by <c>AddOutbox</c> and by the store packages.</summary>
internal interface IOutboxStoreProvider
{
    /// <summary>Gets the scheme before the colon, lower case.</summary>
    string Scheme { get; }

    /// <summary>Creates the store for <paramref name="location"/> (what follows <c>scheme:</c>); does not touch the database yet.</summary>
    IOutboxStore Create(string location, OutboxOptions options, TimeProvider timeProvider);
}

/// <summary>Splits <c>scheme:location</c> and finds the provider.</summary>
internal static class StoreLocation
{
    public static (string Scheme, string Location) Split(string store)
    {
        var colon = store.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == store.Length - 1)
        {
            throw new EmailSendException(EmailErrorKind.Configuration, $"The outbox store '{Redact(store)}' is not of the form sqlite:PATH or postgres:CONNECTION-STRING.")
            {
                Hint = "Set MailSender:Outbox:Store (or --outbox) to e.g. sqlite:outbox.db or postgres:Host=db;Database=app;Username=app.",
            };
        }

        return (store[..colon].ToLowerInvariant(), store[(colon + 1)..]);
    }

    public static IOutboxStore Open(string store, IEnumerable<IOutboxStoreProvider> providers, OutboxOptions options, TimeProvider timeProvider)
    {
        var (scheme, location) = Split(store);
        if (scheme is "postgresql")
        {
            scheme = "postgres";
        }

        foreach (var provider in providers)
        {
            if (provider.Scheme == scheme)
            {
                return provider.Create(location, options, timeProvider);
            }
        }

        throw new EmailSendException(EmailErrorKind.Configuration, scheme == "postgres"
            ? "The outbox store is PostgreSQL, but the PostgreSQL store is not registered."
            : $"The outbox store scheme '{scheme}' is unknown: use sqlite:PATH or postgres:CONNECTION-STRING.")
        {
            Hint = scheme == "postgres" ? "Add the package MailSender.Outbox.PostgreSql and call .AddPostgreSql() on what AddOutbox returns." : null,
        };
    }

    /// <summary>The store string for messages: a PostgreSQL password never appears in logs or errors.</summary>
    public static string Redact(string store) =>
        System.Text.RegularExpressions.Regex.Replace(store, @"(?i)(password|pwd)\s*=\s*[^;]*|(?<=://[^:/@]*:)[^@]*(?=@)", m => m.Value.Contains('=', StringComparison.Ordinal) ? m.Value[..(m.Value.IndexOf('=', StringComparison.Ordinal) + 1)] + "***" : "***");
}
