using System.Collections.Concurrent;

namespace MailSender.Dkim;

/// <summary>
/// Builds each sender's DKIM signer once per service container: start-up validation builds it (reading and parsing the
/// key, so a bad key stops the application) and the sender gets the same signer, without reading the key again.
/// A sender whose options changed since (a configuration reload) gets a new one.
/// </summary>
internal sealed class DkimSigners
{
    private readonly ConcurrentDictionary<string, (string Settings, DkimMessageSigner? Signer)> _signers = new(StringComparer.Ordinal);

    /// <summary>Returns the signer of sender <paramref name="senderName"/> for <paramref name="options"/>, or <see langword="null"/> when DKIM is not configured.</summary>
    /// <exception cref="EmailSendException">A setting is missing or the key cannot be used (<see cref="EmailErrorKind.Configuration"/>); a failure is not kept.</exception>
    public DkimMessageSigner? Get(string senderName, DkimOptions? options)
    {
        if (options is null || !DkimMessageSigner.IsConfigured(options))
        {
            return null;
        }

        var settings = DkimMessageSigner.Settings(options);
        if (_signers.TryGetValue(senderName, out var built) && built.Settings == settings)
        {
            return built.Signer;
        }

        var signer = DkimMessageSigner.Create(options);
        _signers[senderName] = (settings, signer);
        return signer;
    }
}
