using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MailSender.Unsubscribe;

/// <summary>
/// Tokens of the form <c>base64url(payload).base64url(HMAC-SHA256(key, payload))</c>, where the payload is
/// <c>1\nKEY-ID\nEXPIRY\nLIST\nADDRESS</c>. The token is opaque to the recipient and cannot be made for another
/// address or list without the key (RFC 8058, 6), and the key id lets old keys keep verifying after a rotation.
/// </summary>
internal sealed class HmacUnsubscribeTokens : IUnsubscribeTokens
{
    private const string Version = "1";
    private static readonly SearchValues<char> Base64UrlAlphabet = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
    private readonly (string Id, byte[] Secret)[] _keys;
    private readonly TimeSpan _lifetime;
    private readonly string _baseUrl;
    private readonly string? _mailto;
    private readonly TimeProvider _time;

    /// <param name="options">Options that <see cref="UnsubscribeOptionsValidation"/> has passed (the container validates them before it creates this).</param>
    /// <param name="time">The clock for expiries.</param>
    public HmacUnsubscribeTokens(UnsubscribeOptions options, TimeProvider time)
    {
        _keys = options.Keys.Select(k => (k.Id!.Trim(), Convert.FromBase64String(k.Secret!.Trim()))).ToArray();
        _lifetime = options.TokenLifetime;
        _baseUrl = options.BaseUrl!.Trim().TrimEnd('/');
        _mailto = string.IsNullOrWhiteSpace(options.Mailto) ? null : options.Mailto.Trim();
        _time = time;
    }

    public string CreateToken(string address, string list)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        ArgumentException.ThrowIfNullOrWhiteSpace(list);
        if (address.Any(char.IsControl) || list.Any(char.IsControl))
        {
            throw new ArgumentException("An address or list name holds a control character.");
        }

        var (id, secret) = _keys[0];
        var expiry = _time.GetUtcNow().Add(_lifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var payload = Encoding.UTF8.GetBytes(string.Join('\n', Version, id, expiry, list, address));
        return Base64Url(payload) + "." + Base64Url(HMACSHA256.HashData(secret, payload));
    }

    public string CreateHeaderValue(string address, string list)
    {
        var token = CreateToken(address, list);
        var value = $"<{_baseUrl}/{token}>";
        return _mailto is null ? value : $"{value}, <mailto:{_mailto}?subject=unsubscribe%20{token}>";
    }

    public UnsubscribeTokenValidation Validate(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 2048)
        {
            return UnsubscribeTokenValidation.Invalid(UnsubscribeTokenError.Malformed);
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot != token.LastIndexOf('.') || !TryDecode(token.AsSpan(0, dot), out var payload) || !TryDecode(token.AsSpan(dot + 1), out var mac))
        {
            return UnsubscribeTokenValidation.Invalid(UnsubscribeTokenError.Malformed);
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload);
        }
        catch (DecoderFallbackException)
        {
            return UnsubscribeTokenValidation.Invalid(UnsubscribeTokenError.Malformed);
        }

        var parts = text.Split('\n');
        if (parts.Length != 5 || parts[0] != Version || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)
            || parts[3].Length == 0 || parts[4].Length == 0)
        {
            return UnsubscribeTokenValidation.Invalid(UnsubscribeTokenError.Malformed);
        }

        var key = Array.Find(_keys, k => k.Id == parts[1]);
        if (key.Secret is null)
        {
            return UnsubscribeTokenValidation.Invalid(UnsubscribeTokenError.UnknownKey);
        }

        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(key.Secret, payload), mac))
        {
            return UnsubscribeTokenValidation.Invalid(UnsubscribeTokenError.Forged);
        }

        // Checked after the signature, so an expiry cannot be probed with made-up tokens.
        if (_time.GetUtcNow().ToUnixTimeSeconds() > expiry)
        {
            return UnsubscribeTokenValidation.Invalid(UnsubscribeTokenError.Expired);
        }

        return UnsubscribeTokenValidation.Valid(parts[4], parts[3]);
    }

    private static string Base64Url(byte[] data) =>
        Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecode(ReadOnlySpan<char> text, out byte[] data)
    {
        data = [];
        if (text.IsEmpty || text.ContainsAnyExcept(Base64UrlAlphabet))
        {
            return false;
        }

        var padded = text.ToString().Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        try
        {
            data = Convert.FromBase64String(padded);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
