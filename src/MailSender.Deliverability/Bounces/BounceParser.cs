using MimeKit;

namespace MailSender.Deliverability.Bounces;

/// <summary>Reads a <see cref="BounceReport"/> out of a report message with MimeKit's report types; never throws for bad input.</summary>
internal static class BounceParser
{
    public static BounceReport? TryParse(MimeMessage message, out string? problem)
    {
        problem = null;
        var report = message.Body as MultipartReport ?? message.BodyParts.OfType<MultipartReport>().FirstOrDefault();
        if (report is null)
        {
            problem = "not a report (no multipart/report part): an ordinary message, e.g. an auto-reply";
            return null;
        }

        var type = report.ReportType?.Trim().ToLowerInvariant();
        return type switch
        {
            "delivery-status" => ParseDeliveryStatus(report, out problem),
            "feedback-report" => ParseFeedback(report, out problem),
            _ => Fail($"a multipart/report of type '{report.ReportType}', which is neither delivery-status nor feedback-report", out problem),
        };
    }

    private static BounceReport? ParseDeliveryStatus(MultipartReport report, out string? problem)
    {
        problem = null;
        var status = report.OfType<MessageDeliveryStatus>().FirstOrDefault();
        if (status is null)
        {
            return Fail("a delivery-status report without its message/delivery-status part", out problem);
        }

        var groups = status.StatusGroups;
        if (groups.Count < 2)
        {
            return Fail("a message/delivery-status part without any recipient fields", out problem);
        }

        var recipients = new List<BounceRecipient>();
        for (var i = 1; i < groups.Count; i++)
        {
            var fields = groups[i];
            var address = Address(fields["Final-Recipient"]) ?? Address(fields["Original-Recipient"]);
            var action = fields["Action"]?.Trim().ToLowerInvariant();
            var code = fields["Status"]?.Trim();
            if (address is null || action is null || code is null || !IsStatus(code))
            {
                return Fail($"recipient fields {i} lack a valid Final-Recipient, Action or Status (x.y.z)", out problem);
            }

            var kind = action switch
            {
                "failed" => code[0] == '5' ? BounceKind.HardBounce : BounceKind.SoftBounce,
                "delayed" => BounceKind.SoftBounce,
                "delivered" or "relayed" or "expanded" => BounceKind.Delivered,
                _ => (BounceKind?)null,
            };
            if (kind is null)
            {
                return Fail($"recipient fields {i} have an unknown Action '{action}'", out problem);
            }

            recipients.Add(new BounceRecipient(address, kind.Value, code, Diagnostic(fields["Diagnostic-Code"])));
        }

        var perMessage = groups[0];
        return new BounceReport
        {
            Type = BounceReportType.DeliveryStatus,
            Recipients = recipients,
            OriginalMessageId = OriginalHeaders(report)?[HeaderId.MessageId]?.Trim().Trim('<', '>'),
            OriginalEnvelopeId = Xtext(perMessage["Original-Envelope-Id"]?.Trim()),
            ReportingMta = Diagnostic(perMessage["Reporting-MTA"]),
        };
    }

    private static BounceReport? ParseFeedback(MultipartReport report, out string? problem)
    {
        problem = null;
        var feedback = report.OfType<MessageFeedbackReport>().FirstOrDefault();
        if (feedback is null)
        {
            return Fail("a feedback-report without its message/feedback-report part", out problem);
        }

        var fields = feedback.Fields;
        var type = fields["Feedback-Type"]?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(type) || fields["User-Agent"] is null || fields["Version"] is null)
        {
            return Fail("a feedback report without Feedback-Type, User-Agent or Version (RFC 5965 requires each once)", out problem);
        }

        var original = OriginalHeaders(report);
        var addresses = fields.Where(f => f.Field.Equals("Original-Rcpt-To", StringComparison.OrdinalIgnoreCase))
            .Select(f => Address(f.Value))
            .Where(a => a is not null)
            .Select(a => a!)
            .ToList();
        if (addresses.Count == 0 && original?[HeaderId.To] is { } to && InternetAddressList.TryParse(to, out var list))
        {
            addresses.AddRange(list.Mailboxes.Select(m => m.Address));
        }

        if (addresses.Count == 0)
        {
            return Fail("a feedback report that names no recipient (no Original-Rcpt-To and no To in the returned headers)", out problem);
        }

        var kind = type is "abuse" or "fraud" or "virus" ? BounceKind.Complaint : BounceKind.Other;
        return new BounceReport
        {
            Type = BounceReportType.Feedback,
            Recipients = addresses.Select(a => new BounceRecipient(a, kind, null, null)).ToList(),
            OriginalMessageId = original?[HeaderId.MessageId]?.Trim().Trim('<', '>'),
            OriginalEnvelopeId = fields["Original-Envelope-Id"]?.Trim(),
            ReportingMta = fields["Reporting-MTA"]?.Trim() ?? fields["User-Agent"]?.Trim(),
            FeedbackType = type,
        };
    }

    /// <summary>The original message's headers: from a returned message/rfc822 or a text/rfc822-headers part.</summary>
    private static HeaderList? OriginalHeaders(MultipartReport report)
    {
        foreach (var part in report)
        {
            if (part is MessagePart { Message: { } returned })
            {
                return returned.Headers;
            }

            if (part is TextRfc822Headers or MimePart { ContentType.MimeType: "text/rfc822-headers" })
            {
                using var stream = new MemoryStream();
                ((MimePart)part).Content?.DecodeTo(stream);
                stream.Position = 0;
                try
                {
                    return HeaderList.Load(stream);
                }
                catch (FormatException)
                {
                    return null;
                }
            }
        }

        return null;
    }

    /// <summary>The address of an <c>address-type; address</c> field (<c>rfc822; user@example.com</c>).</summary>
    private static string? Address(string? field)
    {
        if (string.IsNullOrWhiteSpace(field))
        {
            return null;
        }

        var semicolon = field.IndexOf(';', StringComparison.Ordinal);
        var address = (semicolon >= 0 ? field[(semicolon + 1)..] : field).Trim().Trim('<', '>').Trim();
        address = Xtext(address)!;
        return address.Contains('@', StringComparison.Ordinal) && !address.Any(char.IsWhiteSpace) ? address : null;
    }

    private static string? Diagnostic(string? field)
    {
        if (string.IsNullOrWhiteSpace(field))
        {
            return null;
        }

        var semicolon = field.IndexOf(';', StringComparison.Ordinal);
        return string.Join(' ', (semicolon >= 0 ? field[(semicolon + 1)..] : field).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Decodes xtext (RFC 3461, 4): <c>+XX</c> is the byte XX in hex.</summary>
    private static string? Xtext(string? text)
    {
        if (text is null || !text.Contains('+', StringComparison.Ordinal))
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '+' && i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
            {
                builder.Append((char)Convert.ToInt32(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                builder.Append(text[i]);
            }
        }

        return builder.ToString();
    }

    private static bool IsStatus(string code)
    {
        var parts = code.Split('.');
        return parts.Length == 3 && parts[0] is "2" or "4" or "5" && parts.Skip(1).All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit));
    }

    private static BounceReport? Fail(string reason, out string? problem)
    {
        problem = reason;
        return null;
    }
}
