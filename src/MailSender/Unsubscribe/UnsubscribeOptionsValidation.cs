using MailSender.Internal;
using Microsoft.Extensions.Options;

namespace MailSender.Unsubscribe;

/// <summary>Checks <c>MailSender:Unsubscribe</c> at start-up; the messages name the setting and never a secret.</summary>
internal sealed class UnsubscribeOptionsValidation : IValidateOptions<UnsubscribeOptions>
{
    public ValidateOptionsResult Validate(string? name, UnsubscribeOptions options)
    {
        var problem = FindProblem(options);
        return problem is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail("MailSender:Unsubscribe: " + problem);
    }

    internal static string? FindProblem(UnsubscribeOptions options)
    {
        if (!Uri.TryCreate(options.BaseUrl?.Trim(), UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps)
        {
            return "BaseUrl must be an absolute https:// URL (e.g. https://example.com/unsubscribe); receivers ignore one-click links that are not HTTPS (RFC 8058, 3.1).";
        }

        if (!string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment))
        {
            return "BaseUrl must not have a query or fragment; the token is appended as a path segment.";
        }

        if (options.Mailto is { } mailto && !string.IsNullOrWhiteSpace(mailto) && !IsPlainAddress(mailto.Trim()))
        {
            return "Mailto must be a plain address (e.g. unsubscribe@example.com).";
        }

        if (options.Keys.Count == 0)
        {
            return "Keys needs at least one key (Id and Secret); the first signs new tokens.";
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            var id = key.Id?.Trim();
            if (string.IsNullOrEmpty(id) || id.Length > 32 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return $"Keys:{i}:Id must be 1 to 32 letters, digits, '-' or '_'.";
            }

            if (!ids.Add(id))
            {
                return $"Keys:{i}:Id '{id}' is used twice.";
            }

            if (!TryLength(key.Secret, out var length) || length < 32)
            {
                return $"Keys:{i}:Secret must be base64 of at least 32 bytes (e.g. openssl rand -base64 32).";
            }
        }

        return options.TokenLifetime <= TimeSpan.Zero ? "TokenLifetime must be positive." : null;
    }

    private static bool IsPlainAddress(string text)
    {
        try
        {
            var mailbox = AddressParser.ParseMailbox(text, "Mailto");
            return mailbox.Address == text && string.IsNullOrEmpty(mailbox.Name);
        }
        catch (EmailSendException)
        {
            return false;
        }
    }

    private static bool TryLength(string? base64, out int length)
    {
        length = 0;
        if (string.IsNullOrWhiteSpace(base64))
        {
            return false;
        }

        try
        {
            length = Convert.FromBase64String(base64.Trim()).Length;
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
