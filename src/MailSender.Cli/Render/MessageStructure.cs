using System.Globalization;
using System.Text;
using MimeKit;

namespace MailSender.Cli.Render;

/// <summary>Describes a message for a person: its MIME tree in one line, and sizes in bytes, KB or MB.</summary>
internal static class MessageStructure
{
    /// <summary>Returns the MIME tree, e.g. <c>multipart/related(multipart/alternative(text/plain, text/html), image/png)</c>.</summary>
    public static string Describe(MimeEntity? entity)
    {
        var text = new StringBuilder();
        Append(entity, text);
        return text.ToString();
    }

    /// <summary>Returns <c>850 bytes</c>, <c>3.2 KB</c> or <c>1.4 MB</c> (1 KB = 1024 bytes).</summary>
    public static string Size(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MB"),
    };

    private static void Append(MimeEntity? entity, StringBuilder text)
    {
        if (entity is null)
        {
            text.Append("(no body)");
            return;
        }

        text.Append(entity.ContentType.MimeType.ToLowerInvariant());
        if (entity is Multipart multipart)
        {
            text.Append('(');
            for (var i = 0; i < multipart.Count; i++)
            {
                text.Append(i == 0 ? string.Empty : ", ");
                Append(multipart[i], text);
            }

            text.Append(')');
        }
    }
}
