using MimeKit;

namespace MailSender.Internal;

/// <summary>Reads the list a message belongs to from its <c>List-Id</c> header (RFC 2919: <c>Name &lt;id&gt;</c>).</summary>
internal static class ListIds
{
    /// <summary>The list's identifier (what is inside the angle brackets), or <see langword="null"/> when the message is not list mail.</summary>
    public static string? Find(MimeMessage message)
    {
        var value = message.Headers[HeaderId.ListId];
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var open = value.LastIndexOf('<');
        var close = value.LastIndexOf('>');
        var id = open >= 0 && close > open ? value[(open + 1)..close] : value;
        id = id.Trim();
        return id.Length == 0 ? null : id;
    }
}
