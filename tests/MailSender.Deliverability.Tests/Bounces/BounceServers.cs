using MailSender.TestSupport;

namespace MailSender.Deliverability.Tests.Bounces;

/// <summary>
/// Finds the test Postfix (<c>$MAILSENDER_POSTFIX_DIR/peer.env</c>, default <c>/tmp/mailsender-postfix</c>, written by
/// scripts/postfix/start.sh) and the test Dovecot that serves its bounce Maildir over IMAP
/// (<c>$MAILSENDER_DOVECOT_DIR/dovecot.env</c>, default <c>/tmp/mailsender-dovecot</c>, scripts/dovecot/start.sh).
/// Without them a test is skipped, or fails under <c>CI=true</c>: CI starts both, so a missing server there is a fault.
/// </summary>
internal sealed class BounceServers
{
    private BounceServers(IReadOnlyDictionary<string, string> values) => Values = values;

    public IReadOnlyDictionary<string, string> Values { get; }

    public string Host => Values["MAILSENDER_POSTFIX_HOST"];

    public int SmtpPort => int.Parse(Values["MAILSENDER_POSTFIX_PLAIN_PORT"], System.Globalization.CultureInfo.InvariantCulture);

    public string BounceRecipient => Values["MAILSENDER_POSTFIX_BOUNCE_RECIPIENT"];

    public string BounceMaildir => Values["MAILSENDER_POSTFIX_BOUNCE_MAILDIR"];

    public string ImapHost => Values["MAILSENDER_DOVECOT_HOST"];

    public int ImapPort => int.Parse(Values["MAILSENDER_DOVECOT_IMAP_PORT"], System.Globalization.CultureInfo.InvariantCulture);

    public int ImapsPort => int.Parse(Values["MAILSENDER_DOVECOT_IMAPS_PORT"], System.Globalization.CultureInfo.InvariantCulture);

    public string ImapUser => Values["MAILSENDER_DOVECOT_USER"];

    public string ImapPassword => Values["MAILSENDER_DOVECOT_PASSWORD"];

    public string CaFile => Values["MAILSENDER_DOVECOT_CA_FILE"];

    /// <summary>Reads both files, or skips (fails under CI) naming the one that is missing and the script that writes it.</summary>
    public static BounceServers Require()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        Read(Path.Combine(Folder("MAILSENDER_POSTFIX_DIR", "/tmp/mailsender-postfix"), "peer.env"), "scripts/postfix/start.sh", values);
        Read(Path.Combine(Folder("MAILSENDER_DOVECOT_DIR", "/tmp/mailsender-dovecot"), "dovecot.env"), "scripts/dovecot/start.sh", values);
        return new BounceServers(values);
    }

    private static string Folder(string variable, string fallback) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } folder ? folder : fallback;

    private static void Read(string file, string script, Dictionary<string, string> values)
    {
        if (!File.Exists(file))
        {
            ExternalTool.Require(false, $"{file} is missing: start the server with `sudo {script}` (CI starts it).");
        }

        foreach (var line in File.ReadAllLines(file))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (!line.StartsWith('#') && equals > 0)
            {
                values[line[..equals]] = line[(equals + 1)..];
            }
        }
    }
}
