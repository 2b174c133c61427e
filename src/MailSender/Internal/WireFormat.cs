using MimeKit;

namespace MailSender.Internal;

/// <summary>How a message is written for transmission and storage: CRLF line endings, Bcc hidden.</summary>
internal static class WireFormat
{
    /// <summary>Gets the format options every transport and the DKIM signer use, so what is signed is what is sent.</summary>
    public static FormatOptions Options { get; } = Create();

    private static FormatOptions Create()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        options.EnsureNewLine = true;
        options.HiddenHeaders.Add(HeaderId.Bcc);
        options.HiddenHeaders.Add(HeaderId.ResentBcc);
        return options;
    }
}
