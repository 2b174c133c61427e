using System.Text;
using MimeKit;

namespace MailSender.Cli.Tests.Infrastructure;

/// <summary>A pickup-folder file split into its envelope lines (X-Sender, X-Receiver) and the message after them.</summary>
internal sealed record PickupFile(IReadOnlyList<string> Receivers, string? Sender, MimeMessage Message, string Headers)
{
    public static PickupFile Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var receivers = new List<string>();
        string? sender = null;
        var offset = 0;
        while (true)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', offset);
            var line = Encoding.UTF8.GetString(bytes, offset, end - offset).TrimEnd('\r');
            if (line.StartsWith("X-Receiver: ", StringComparison.Ordinal))
            {
                receivers.Add(line["X-Receiver: ".Length..]);
            }
            else if (line.StartsWith("X-Sender: ", StringComparison.Ordinal))
            {
                sender = line["X-Sender: ".Length..];
            }
            else
            {
                break;
            }

            offset = end + 1;
        }

        using var stream = new MemoryStream(bytes, offset, bytes.Length - offset);
        var message = MimeMessage.Load(stream);
        var text = Encoding.UTF8.GetString(bytes, offset, bytes.Length - offset);
        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return new PickupFile(receivers, sender, message, headerEnd < 0 ? text : text[..headerEnd]);
    }
}
