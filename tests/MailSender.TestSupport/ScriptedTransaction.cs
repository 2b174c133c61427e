namespace MailSender.TestSupport;

/// <summary>One MAIL transaction a <see cref="ScriptedSmtpServer"/> received.</summary>
/// <param name="MailCommand">The MAIL command line as received, parameters included (e.g. <c>MAIL FROM:&lt;a@b&gt; BODY=8BITMIME</c>).</param>
/// <param name="Recipients">The addresses of the RCPT commands the server accepted, in order.</param>
/// <param name="RawData">The DATA section exactly as received: dot-stuffed, ending with the last line's CRLF, without the terminating <c>.CRLF</c>; for BDAT, the chunks' octets.</param>
public sealed record ScriptedTransaction(string MailCommand, IReadOnlyList<string> Recipients, byte[] RawData)
{
    /// <summary>Gets the number of the connection it arrived on (see <see cref="ScriptedConnection.Number"/>).</summary>
    public int Connection { get; init; }

    /// <summary>Gets a value indicating whether the message came with BDAT (exact octets, no dot-stuffing) rather than DATA.</summary>
    public bool Chunked { get; init; }

    /// <summary>Gets the envelope sender.</summary>
    public string From => ScriptedSmtpServer.AddressOf(MailCommand);

    /// <summary>Gets the message with dot-stuffing removed, as a receiving server would store it.</summary>
    public byte[] Data
    {
        get
        {
            if (Chunked)
            {
                return RawData;
            }

            using var output = new MemoryStream(RawData.Length);
            var lineStart = true;
            for (var i = 0; i < RawData.Length; i++)
            {
                var b = RawData[i];
                if (!(lineStart && b == '.'))
                {
                    output.WriteByte(b);
                }

                lineStart = b == '\n' && i > 0 && RawData[i - 1] == '\r';
            }

            return output.ToArray();
        }
    }

    public MimeKit.MimeMessage Parse() => MimeKit.MimeMessage.Load(new MemoryStream(Data, writable: false));
}
