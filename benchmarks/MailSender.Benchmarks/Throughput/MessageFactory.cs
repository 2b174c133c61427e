using System.Net.Mail;
using System.Net.Mime;
using System.Text;
using MimeKit;
using MimeKit.IO;

namespace MailSender.Benchmarks.Throughput;

/// <summary>
/// Builds the benchmark message anew for every send, as applications do, padded with a plain-text body so the
/// whole message (headers included) is about the requested size on the wire.
/// </summary>
/// <remarks>
/// The body text itself is built once and shared: an application renders its own text, and what is compared here
/// is what each sender costs per message. Lines are 76 characters so no mode has to re-encode the body.
/// </remarks>
internal sealed class MessageFactory
{
    public const string From = "from@example.com";
    public const string To = "to@example.com";
    public const string Subject = "Throughput benchmark";

    private const int LineLength = 76;

    public MessageFactory(int size)
    {
        Size = size;
        var headers = Measure(Create(string.Empty));
        Body = Pad(Math.Max(0, size - headers));
        WireSize = Measure(CreateMimeMessage());
    }

    /// <summary>Gets the requested size in bytes.</summary>
    public int Size { get; }

    /// <summary>Gets the size of a built message as MimeKit writes it for SMTP (CRLF line ends).</summary>
    public int WireSize { get; }

    /// <summary>Gets the shared body text.</summary>
    public string Body { get; }

    public MimeMessage CreateMimeMessage() => Create(Body);

    /// <summary>The System.Net.Mail equivalent: same addresses, subject and body, sent as 7-bit ASCII.</summary>
    public MailMessage CreateMailMessage() => new(From, To, Subject, Body)
    {
        BodyEncoding = Encoding.ASCII,
        BodyTransferEncoding = TransferEncoding.SevenBit,
    };

    private static MimeMessage Create(string body)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(From));
        message.To.Add(MailboxAddress.Parse(To));
        message.Subject = Subject;
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    private static int Measure(MimeMessage message)
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        using var counter = new MeasuringStream();
        message.WriteTo(format, counter);
        return (int)counter.Length;
    }

    private static string Pad(int bytes)
    {
        var text = new StringBuilder(bytes);
        while (text.Length + LineLength + 2 <= bytes)
        {
            text.Append('x', LineLength).Append("\r\n");
        }

        return text.Append('x', bytes - text.Length).ToString();
    }
}
