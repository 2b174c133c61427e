using MimeKit;

namespace MailSender.Templates;

/// <summary>Adds attachments to a message, such as one rendered by <see cref="IEmailTemplates"/>.</summary>
public static class MimeMessageAttachmentExtensions
{
    /// <summary>
    /// Attaches <paramref name="content"/> to <paramref name="message"/> as the file <paramref name="fileName"/>, without
    /// reading it now: the body becomes <c>multipart/mixed</c> (the current body first), or the attachment is appended
    /// when the body already is <c>multipart/mixed</c>.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="fileName">The file name the recipient sees, for example <c>invoice-17.pdf</c>.</param>
    /// <param name="content">
    /// The file's bytes. A seekable stream is used as it is, not copied: the whole stream from its start is sent each
    /// time the message is written (MimeKit rewinds it, so a retried send resends it). A stream that cannot seek is
    /// copied once into memory now (it could be read only once) and disposed.
    /// </param>
    /// <param name="contentType">The MIME type, for example <c>application/pdf</c>; <see langword="null"/> for the type that <paramref name="fileName"/>'s extension implies.</param>
    /// <returns>The attachment's part (base64, <c>Content-Disposition: attachment</c>), to adjust further if needed.</returns>
    /// <remarks>
    /// The message owns the stream from now on: disposing the message (or the part) disposes it. Keep the stream open
    /// and unchanged until the message has been sent.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="message"/>, <paramref name="fileName"/> or <paramref name="content"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="fileName"/> is empty or holds a line break or another control character; <paramref name="content"/>
    /// cannot be read; or <paramref name="contentType"/> is not a MIME type.
    /// </exception>
    public static MimePart Attach(this MimeMessage message, string fileName, Stream content, string? contentType = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(content);
        if (string.IsNullOrWhiteSpace(fileName))
        {
            throw new ArgumentException("The attachment's file name is empty.", nameof(fileName));
        }

        foreach (var c in fileName)
        {
            if (char.IsControl(c))
            {
                throw new ArgumentException(
                    c is '\r' or '\n'
                        ? "The attachment's file name contains a line break, which could inject headers."
                        : $"The attachment's file name contains the control character U+{(int)c:X4}.",
                    nameof(fileName));
            }
        }

        if (!content.CanRead)
        {
            throw new ArgumentException("The attachment's stream cannot be read.", nameof(content));
        }

        ContentType? type;
        if (contentType is null)
        {
            type = ContentType.Parse(MimeTypes.GetMimeType(fileName));
        }
        else if (!ContentType.TryParse(contentType, out type))
        {
            throw new ArgumentException($"'{contentType}' is not a MIME type (such as application/pdf).", nameof(contentType));
        }

        var stream = content;
        if (!content.CanSeek)
        {
            // Read once now: a stream that cannot seek could not be rewound for a second write (a retry).
            var copy = new MemoryStream();
            using (content)
            {
                content.CopyTo(copy);
            }

            copy.Position = 0;
            stream = copy;
        }

        var part = new MimePart(type)
        {
            Content = new MimeContent(stream),
            ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
            ContentTransferEncoding = ContentEncoding.Base64,
            FileName = fileName,
        };

        if (message.Body is Multipart { ContentType.MediaSubtype: var subtype } mixed && subtype.Equals("mixed", StringComparison.OrdinalIgnoreCase))
        {
            mixed.Add(part);
        }
        else
        {
            var body = new Multipart("mixed");
            if (message.Body is not null)
            {
                body.Add(message.Body);
            }

            body.Add(part);
            message.Body = body;
        }

        return part;
    }
}
