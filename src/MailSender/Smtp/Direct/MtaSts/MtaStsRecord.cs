namespace MailSender.Smtp.Direct.MtaSts;

/// <summary>The <c>_mta-sts.DOMAIN</c> TXT record (RFC 8461, 3.1): <c>v=STSv1; id=...</c>, whose id changes with the policy.</summary>
internal static class MtaStsRecord
{
    /// <summary>
    /// Finds the policy id in a domain's <c>_mta-sts</c> TXT records. Records not starting with <c>v=STSv1;</c> are ignored; anything but
    /// exactly one such record, or one that does not follow the grammar, means the domain has no MTA-STS policy available.
    /// </summary>
    /// <returns>The id (1 to 32 letters and digits), or <see langword="null"/> with the reason (<see langword="null"/> reason: no STSv1 record at all).</returns>
    public static string? FindId(IReadOnlyList<string> records, out string? problem)
    {
        var candidates = records.Where(r => r.StartsWith("v=STSv1;", StringComparison.Ordinal)).ToArray();
        if (candidates.Length == 0)
        {
            problem = null;
            return null;
        }

        if (candidates.Length > 1)
        {
            problem = $"the domain publishes {candidates.Length} v=STSv1 TXT records; exactly one is allowed";
            return null;
        }

        return ParseId(candidates[0], out problem);
    }

    /// <summary>Parses one record that starts with <c>v=STSv1;</c>.</summary>
    internal static string? ParseId(string record, out string? problem)
    {
        string? id = null;
        var fields = record["v=STSv1;".Length..].Split(';');
        for (var i = 0; i < fields.Length; i++)
        {
            var field = fields[i].Trim(' ', '\t');
            if (field.Length == 0)
            {
                if (i == fields.Length - 1)
                {
                    // A trailing ';' is allowed.
                    continue;
                }

                problem = "the TXT record has an empty field";
                return null;
            }

            var equals = field.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == field.Length - 1)
            {
                problem = $"the TXT record field '{Shorten(field)}' is not name=value";
                return null;
            }

            var name = field[..equals];
            var value = field[(equals + 1)..];
            if (name == "id")
            {
                if (id is not null)
                {
                    problem = "the TXT record has more than one id";
                    return null;
                }

                if (value.Length > 32 || !value.All(char.IsAsciiLetterOrDigit))
                {
                    problem = $"the TXT record's id '{Shorten(value)}' is not 1 to 32 letters and digits";
                    return null;
                }

                id = value;
            }
            else if (name.Length > 32 || !char.IsAsciiLetterOrDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') ||
                     !value.All(c => c is >= '!' and <= '~' and not ';' and not '='))
            {
                problem = $"the TXT record field '{Shorten(field)}' is not a valid extension";
                return null;
            }
        }

        if (id is null)
        {
            problem = "the TXT record has no id";
            return null;
        }

        problem = null;
        return id;
    }

    private static string Shorten(string text) => text.Length <= 48 ? text : text[..48] + "...";
}
