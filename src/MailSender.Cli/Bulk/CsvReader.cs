using System.Text;

namespace MailSender.Cli.Bulk;

/// <summary>
/// Reads CSV as RFC 4180 writes it: comma-separated fields, double-quoted fields that may hold commas, quotes (doubled)
/// and line breaks, CRLF or LF line ends. Rows are read one at a time, so a file of any length takes constant memory.
/// </summary>
internal sealed class CsvReader(TextReader reader, string source)
{
    private int _line = 1;

    /// <summary>The line the next row starts on, for messages.</summary>
    public int Line => _line;

    /// <summary>Reads the next row, or returns <see langword="null"/> at the end. Blank lines are skipped.</summary>
    /// <exception cref="UsageException">A quoted field is not closed, or a quote appears inside an unquoted field.</exception>
    public List<string>? ReadRow()
    {
        while (true)
        {
            var row = ReadAnyRow();
            if (row is null || row.Count > 1 || row[0].Length > 0)
            {
                return row;
            }
        }
    }

    private List<string>? ReadAnyRow()
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var wasQuoted = false;
        var start = _line;
        while (true)
        {
            var read = reader.Read();
            if (read < 0)
            {
                if (quoted)
                {
                    throw new UsageException($"{source}: the quoted field that starts on line {start} is never closed.");
                }

                if (fields.Count == 0 && field.Length == 0 && !wasQuoted)
                {
                    return null;
                }

                fields.Add(field.ToString());
                return fields;
            }

            var c = (char)read;
            if (quoted)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    if (c == '\n')
                    {
                        _line++;
                    }

                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    wasQuoted = false;
                    break;
                case '"' when field.Length == 0 && !wasQuoted:
                    quoted = true;
                    wasQuoted = true;
                    break;
                case '"':
                    throw new UsageException($"{source}, line {_line}: a quote inside an unquoted field; quote the whole field and double the quote (\"\"), as CSV does.");
                case '\r':
                    break;
                case '\n':
                    _line++;
                    fields.Add(field.ToString());
                    return fields;
                default:
                    if (wasQuoted && !char.IsWhiteSpace(c))
                    {
                        throw new UsageException($"{source}, line {_line}: text after the closing quote of a field.");
                    }

                    field.Append(c);
                    break;
            }
        }
    }

    /// <summary>Quotes a field for writing when it holds a comma, a quote or a line break.</summary>
    public static string Quote(string? value)
    {
        value ??= string.Empty;
        return value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
