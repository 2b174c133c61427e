namespace MailSender;

/// <summary>The outcome of checking an unsubscribe token.</summary>
public sealed class UnsubscribeTokenValidation
{
    private UnsubscribeTokenValidation(string? address, string? list, UnsubscribeTokenError? error)
    {
        Address = address;
        List = list;
        Error = error;
    }

    /// <summary>Gets a value indicating whether the token is genuine and unexpired.</summary>
    public bool IsValid => Error is null;

    /// <summary>The address to unsubscribe, when valid.</summary>
    public string? Address { get; }

    /// <summary>The list to unsubscribe from, when valid.</summary>
    public string? List { get; }

    /// <summary>Why the token was refused, or <see langword="null"/> when it is valid.</summary>
    public UnsubscribeTokenError? Error { get; }

    internal static UnsubscribeTokenValidation Valid(string address, string list) => new(address, list, null);

    internal static UnsubscribeTokenValidation Invalid(UnsubscribeTokenError error) => new(null, null, error);
}

/// <summary>Why an unsubscribe token was refused.</summary>
public enum UnsubscribeTokenError
{
    /// <summary>Not a token at all: wrong shape or encoding.</summary>
    Malformed,

    /// <summary>Signed with a key that is not (or no longer) configured.</summary>
    UnknownKey,

    /// <summary>The signature does not match: the token was altered or made up.</summary>
    Forged,

    /// <summary>Genuine, but older than <see cref="UnsubscribeOptions.TokenLifetime"/>.</summary>
    Expired,
}
