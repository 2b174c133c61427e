using System.Text;
using System.Text.RegularExpressions;
using MailSender.Deliverability.Domains;
using MimeKit;

namespace MailSender.Deliverability.Lint;

/// <summary>The checks behind <see cref="MessageLinter"/>, each a plain-words finding with its fix.</summary>
internal static partial class MessageChecks
{
    public static IEnumerable<DeliverabilityFinding> Run(MimeMessage message, MessageLintOptions options)
    {
        var from = message.From.Mailboxes.ToList();
        if (from.Count != 1)
        {
            yield return new("from", FindingSeverity.Error,
                from.Count == 0 ? "The message has no From address." : $"The message has {from.Count} From addresses; Gmail refuses mail without exactly one (RFC 5322 allows more only with a Sender header, which receivers treat badly).",
                "Give the message exactly one From address.");
        }

        if (message.Headers[HeaderId.Date] is null)
        {
            yield return new("date", FindingSeverity.Error, "The message has no Date header, which RFC 5322 requires; receivers score it as spam.", "Set a Date (MailSender adds one when it sends; a message written by hand needs one).");
        }

        if (string.IsNullOrWhiteSpace(message.MessageId))
        {
            yield return new("message-id", FindingSeverity.Error, "The message has no Message-ID; Gmail requires a valid one of every sender.", "Set a Message-ID (MailSender adds one when it sends; a message written by hand needs one).");
        }

        var html = message.HtmlBody;
        var text = message.TextBody;
        if (html is not null && text is null)
        {
            yield return new("html-without-text", FindingSeverity.Warning, "The message has HTML but no plain-text part; spam filters score HTML-only mail higher, and some readers show nothing.", "Add a text/plain alternative (MailSender.Templates makes one from the HTML).");
        }

        if (html is not null)
        {
            var size = Encoding.UTF8.GetByteCount(html);
            if (size > MessageLinter.GmailClipBytes)
            {
                yield return new("html-size", FindingSeverity.Warning, $"The HTML is {size / 1024} KB; Gmail clips messages over 102 KB, hiding the rest (often the unsubscribe link and the footer).", "Shorten the HTML: fewer inline styles, no repeated blocks, images by URL rather than embedded.");
            }

            var words = VisibleText(html);
            var images = ImageTag().Count(html);
            if (images > 0 && words < 20)
            {
                yield return new("images-only", FindingSeverity.Warning, $"The HTML is {images} image(s) and almost no text ({words} words); spam filters distrust image-only mail, and readers that block images see nothing.", "Put the message's words in the HTML as text, with images as illustration.");
            }
        }

        foreach (var finding in Unsubscribe(message, options))
        {
            yield return finding;
        }

        if (from.Count == 1 && from[0].Domain is { Length: > 0 } fromDomain)
        {
            var dkim = DkimDomains(message).ToList();
            if (dkim.Count == 0 && options.DkimDomain is { } configured)
            {
                dkim.Add(configured);
            }

            if (dkim.Count == 0)
            {
                yield return new("dkim", options.Bulk ? FindingSeverity.Error : FindingSeverity.Warning, "The message is not DKIM-signed (no DKIM-Signature header, and no signing domain given); bulk senders must sign, and unsigned mail is junked more often.", "Configure MailSender:Dkim (see docs/dkim.md), or pass the signing domain to lint (--dkim-domain).");
            }
            else if (!dkim.Any(d => OrganizationalDomain.Aligned(d, fromDomain)))
            {
                yield return new("dkim-alignment", options.Bulk ? FindingSeverity.Error : FindingSeverity.Warning, $"The From domain {fromDomain} is not aligned with the DKIM domain {string.Join(", ", dkim)}; DMARC passes only when they share an organizational domain, and bulk mail without it is refused.", $"Sign with a key of {fromDomain} (MailSender:Dkim:Domain), or send from an address at the signing domain.");
            }
        }
    }

    private static IEnumerable<DeliverabilityFinding> Unsubscribe(MimeMessage message, MessageLintOptions options)
    {
        var header = message.Headers[HeaderId.ListUnsubscribe];
        var post = message.Headers[HeaderId.ListUnsubscribePost];
        if (header is null)
        {
            if (options.Bulk)
            {
                yield return new("list-unsubscribe", FindingSeverity.Error, "Bulk mail without a List-Unsubscribe header: Gmail and Yahoo require one-click unsubscribe of bulk senders, and refuse or junk mail without it.", "Configure one-click unsubscribe (AddOneClickUnsubscribe) and send with a list (BulkSendOptions.ListId); see docs/deliverability.md.");
            }

            yield break;
        }

        var uris = AngleBracketed().Matches(header).Select(m => m.Groups[1].Value.Trim()).ToList();
        if (!uris.Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase)))
        {
            yield return new("list-unsubscribe", options.Bulk ? FindingSeverity.Error : FindingSeverity.Warning, "List-Unsubscribe has no HTTPS address; Gmail counts only an HTTPS one-click address, not mailto.", "Add an <https://...> address that accepts the one-click POST (MapMailSenderUnsubscribe).");
        }
        else if (!string.Equals(post?.Trim(), "List-Unsubscribe=One-Click", StringComparison.Ordinal))
        {
            yield return new("list-unsubscribe-post", options.Bulk ? FindingSeverity.Error : FindingSeverity.Warning, post is null
                ? "List-Unsubscribe has no List-Unsubscribe-Post header, so it is not one-click (RFC 8058)."
                : "List-Unsubscribe-Post must be exactly \"List-Unsubscribe=One-Click\" (RFC 8058).", "Add the header List-Unsubscribe-Post: List-Unsubscribe=One-Click.");
        }
        else
        {
            var signed = message.Headers.Where(h => h.Id == HeaderId.DkimSignature).Select(h => SignedHeaders(h.Value)).ToList();
            if (signed.Count > 0 && !signed.Any(h => h.Contains("list-unsubscribe") && h.Contains("list-unsubscribe-post")))
            {
                yield return new("list-unsubscribe-dkim", FindingSeverity.Error, "The DKIM signature does not cover List-Unsubscribe and List-Unsubscribe-Post; RFC 8058 requires it, and receivers ignore the one-click address otherwise.", "Sign both headers (MailSender's default DKIM header list does).");
            }
        }
    }

    private static IEnumerable<string> DkimDomains(MimeMessage message) =>
        message.Headers.Where(h => h.Id == HeaderId.DkimSignature)
            .Select(h => TagList.Parse(h.Value).GetValueOrDefault("d"))
            .Where(d => !string.IsNullOrEmpty(d))
            .Select(d => d!);

    private static HashSet<string> SignedHeaders(string signature) =>
        new((TagList.Parse(signature).GetValueOrDefault("h") ?? string.Empty).Split(':').Select(h => h.Trim().ToLowerInvariant()), StringComparer.Ordinal);

    private static int VisibleText(string html)
    {
        var text = Tags().Replace(StyleOrScript().Replace(html, " "), " ");
        return System.Net.WebUtility.HtmlDecode(text).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
    }

    [GeneratedRegex("<([^<>]+)>")]
    private static partial Regex AngleBracketed();

    [GeneratedRegex("<img\\b", RegexOptions.IgnoreCase)]
    private static partial Regex ImageTag();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex("<(style|script|head)\\b.*?</\\1>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex StyleOrScript();
}
