using System.Text;

namespace MailSender.Outbox.Storage;

/// <summary>How states are written in the database: lower-case names, the same in every store and in the CLI's JSON.</summary>
internal static class OutboxStates
{
    public static readonly OutboxState[] All = Enum.GetValues<OutboxState>();

    public static readonly OutboxState[] Final = [OutboxState.Sent, OutboxState.Failed, OutboxState.Uncertain, OutboxState.Cancelled, OutboxState.Bounced];

    public static string Name(OutboxState state) => state switch
    {
        OutboxState.Queued => "queued",
        OutboxState.Sending => "sending",
        OutboxState.Deferred => "deferred",
        OutboxState.Sent => "sent",
        OutboxState.Failed => "failed",
        OutboxState.Uncertain => "uncertain",
        OutboxState.Cancelled => "cancelled",
        OutboxState.Bounced => "bounced",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static OutboxState Parse(string name) => name switch
    {
        "queued" => OutboxState.Queued,
        "sending" => OutboxState.Sending,
        "deferred" => OutboxState.Deferred,
        "sent" => OutboxState.Sent,
        "failed" => OutboxState.Failed,
        "uncertain" => OutboxState.Uncertain,
        "cancelled" => OutboxState.Cancelled,
        "bounced" => OutboxState.Bounced,
        _ => throw new FormatException($"Unknown outbox state '{name}' in the database."),
    };

    public static bool TryParse(string? name, out OutboxState state)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(Name(candidate), name, StringComparison.OrdinalIgnoreCase))
            {
                state = candidate;
                return true;
            }
        }

        state = default;
        return false;
    }

    /// <summary>How a suppression reason is written in the database (the enum's name; the same in every store).</summary>
    public static string ReasonName(SuppressionReason reason) => reason.ToString();

    public static SuppressionReason ParseReason(string name) =>
        Enum.TryParse<SuppressionReason>(name, ignoreCase: false, out var reason) && Enum.IsDefined(reason)
            ? reason
            : throw new FormatException($"Unknown suppression reason '{name}' in the database.");

    /// <summary>
    /// The key a suppression is stored under, equal for two addresses exactly when the in-memory list takes them for the
    /// same one (trimmed, then <see cref="StringComparison.OrdinalIgnoreCase"/>): ASCII letters in lower case (so the
    /// keys of ordinary addresses read naturally), every other letter in upper case (ordinal ignore-case compares upper
    /// case mappings), except where ordinal ignore-case does not take a letter for its upper case (U+017F, long s, is
    /// not S). OrdinalIgnoreCase never matches an ASCII letter with another one, so mixing the two cases is safe.
    /// </summary>
    public static string AddressKey(string address)
    {
        var trimmed = address.Trim();
        if (Ascii.IsValid(trimmed))
        {
            return trimmed.ToLowerInvariant();
        }

        var key = new StringBuilder(trimmed.Length);
        Span<char> buffer = stackalloc char[2];
        foreach (var rune in trimmed.EnumerateRunes())
        {
            var folded = rune.IsAscii ? Rune.ToLowerInvariant(rune) : Rune.ToUpperInvariant(rune);
            if (folded != rune)
            {
                var original = buffer[..rune.EncodeToUtf16(buffer)].ToString();
                if (!string.Equals(original, folded.ToString(), StringComparison.OrdinalIgnoreCase))
                {
                    folded = rune;
                }
            }

            key.Append(buffer[..folded.EncodeToUtf16(buffer)]);
        }

        return key.ToString();
    }

    /// <summary>Whether two addresses are the same for the suppression list and bounce matching: trimmed, ordinal ignore-case.</summary>
    public static bool SameAddress(string left, string right) =>
        string.Equals(left.Trim(), right.Trim(), StringComparison.OrdinalIgnoreCase);

    /// <summary>What the worker writes when it takes back a message whose holder died.</summary>
    public const string ReclaimedBeforeFinalWrite = "The worker that held it stopped before the end of the message was written: it is sent again.";

    public const string ReclaimedAfterFinalWrite = "The worker that held it stopped after the end of the message may have been written: the server may have it.";

    public const string ReclaimedAtLeastOnce = "The worker that held it stopped after the end of the message may have been written; sent again (at-least-once).";

    public const string UncertainHint = "Check with the recipient or the server's log whether it arrived; `mailsender outbox retry ID` sends it again (it may then arrive twice).";
}

/// <summary>Makes ids that sort by creation time (UUID version 7, RFC 9562), so the oldest messages come first in indexes.</summary>
internal static class OutboxIds
{
    public static Guid New(DateTimeOffset now)
    {
#if NET9_0_OR_GREATER
        return Guid.CreateVersion7(now);
#else
        Span<byte> bytes = stackalloc byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        var ms = now.ToUnixTimeMilliseconds();
        bytes[0] = (byte)(ms >> 40);
        bytes[1] = (byte)(ms >> 32);
        bytes[2] = (byte)(ms >> 24);
        bytes[3] = (byte)(ms >> 16);
        bytes[4] = (byte)(ms >> 8);
        bytes[5] = (byte)ms;
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x70);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
#endif
    }
}
