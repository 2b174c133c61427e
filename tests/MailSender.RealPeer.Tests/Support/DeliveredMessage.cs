using System.Text;
using MimeKit;

namespace MailSender.RealPeer.Tests.Support;

/// <summary>One file Postfix delivered: the raw bytes and the parsed message.</summary>
public sealed class DeliveredMessage
{
    /// <summary>Initializes a new instance of the <see cref="DeliveredMessage"/> class.</summary>
    public DeliveredMessage(string file, byte[] bytes)
    {
        File = file;
        Bytes = bytes;
        using var stream = new MemoryStream(bytes, writable: false);
        Message = MimeMessage.Load(stream);
    }

    /// <summary>Gets the file's path.</summary>
    public string File { get; }

    /// <summary>Gets the file's bytes as stored (LF line endings).</summary>
    public byte[] Bytes { get; }

    /// <summary>Gets the parsed message.</summary>
    public MimeMessage Message { get; }

    /// <summary>Gets the envelope recipient Postfix delivered this copy to (its <c>Delivered-To</c> header).</summary>
    public string DeliveredTo => Message.Headers["Delivered-To"] ?? string.Empty;

    /// <summary>Gets the header block as text (everything before the first empty line).</summary>
    public string HeaderText
    {
        get
        {
            var text = Encoding.UTF8.GetString(Bytes);
            var end = text.IndexOf("\n\n", StringComparison.Ordinal);
            return end < 0 ? text : text[..end];
        }
    }
}
