namespace MailSender;

/// <summary>A key that signs or verifies unsubscribe tokens (HMAC-SHA256).</summary>
public sealed class UnsubscribeKey
{
    /// <summary>A short name for the key, written into each token so the right key verifies it (letters, digits, <c>-</c>, <c>_</c>; at most 32).</summary>
    public string? Id { get; set; }

    /// <summary>The secret, in base64, of at least 32 bytes (e.g. <c>openssl rand -base64 32</c>). Keep it in a secret store, not in appsettings.json.</summary>
    public string? Secret { get; set; }
}
