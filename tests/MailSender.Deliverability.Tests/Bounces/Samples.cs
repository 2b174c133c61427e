namespace MailSender.Deliverability.Tests.Bounces;

/// <summary>Report messages as real servers write them (shapes taken from Postfix, Exim and a mailbox provider's ARF).</summary>
internal static class Samples
{
    public const string PostfixHardBounce = """
        Return-Path: <>
        From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
        Subject: Undelivered Mail Returned to Sender
        To: bounces@example.com
        Date: Sat,  5 Dec 2026 10:00:00 +0000 (UTC)
        Message-Id: <20261205100000.ABC@mx.example.org>
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

        --B1
        Content-Description: Notification
        Content-Type: text/plain; charset=us-ascii

        I'm sorry to have to inform you that your message could not be delivered.

        --B1
        Content-Description: Delivery report
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.org
        X-Postfix-Queue-ID: ABC
        Original-Envelope-Id: order+2B42
        Arrival-Date: Sat,  5 Dec 2026 09:59:59 +0000 (UTC)

        Final-Recipient: rfc822; nobody@example.org
        Original-Recipient: rfc822;nobody@example.org
        Action: failed
        Status: 5.1.1
        Diagnostic-Code: X-Postfix; unknown user: "nobody"

        --B1
        Content-Description: Undelivered Message Headers
        Content-Type: text/rfc822-headers

        From: news@example.com
        To: nobody@example.org
        Subject: Hello
        Message-ID: <orig-1@example.com>

        --B1--
        """;

    public const string EximDelayAndDelivered = """
        From: Mail Delivery System <Mailer-Daemon@mx.example.net>
        To: bounces@example.com
        Subject: Warning: message delayed
        Message-Id: <E1x@mx.example.net>
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="B2"

        --B2
        Content-Type: text/plain; charset=us-ascii

        This message was created automatically by mail delivery software.

        --B2
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.net

        Action: delayed
        Final-Recipient: rfc822;slow@example.net
        Status: 4.4.1
        Diagnostic-Code: smtp; 451 4.4.1 try again later

        Action: delivered
        Final-Recipient: rfc822;fine@example.net
        Status: 2.0.0

        --B2
        Content-Type: message/rfc822

        From: news@example.com
        To: slow@example.net, fine@example.net
        Subject: Hello
        Message-ID: <orig-2@example.com>

        Body.

        --B2--
        """;

    public const string Complaint = """
        From: <feedback@arf.mailbox.example>
        To: <abuse@example.com>
        Subject: FW: Hello
        Message-ID: <arf-1@mailbox.example>
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report; boundary="B3"

        --B3
        Content-Type: text/plain; charset="US-ASCII"

        This is an email abuse report for an email message received from IP 192.0.2.1.

        --B3
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: SomeGenerator/1.0
        Version: 1
        Original-Mail-From: <bounces@example.com>
        Original-Rcpt-To: <angry@mailbox.example>
        Arrival-Date: Sat, 5 Dec 2026 10:00:00 +0000

        --B3
        Content-Type: text/rfc822-headers

        From: news@example.com
        To: angry@mailbox.example
        Subject: Hello
        Message-ID: <orig-3@example.com>

        --B3--
        """;

    public const string DeliveryStatusWithoutStatusPart = """
        From: MAILER-DAEMON@mx.example.org
        To: bounces@example.com
        Subject: Undelivered
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="B4"

        --B4
        Content-Type: text/plain

        It failed, but I will not say how.

        --B4--
        """;

    public const string GarbageStatus = """
        From: MAILER-DAEMON@mx.example.org
        To: bounces@example.com
        Subject: Undelivered
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="B5"

        --B5
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.org

        Final-Recipient: rfc822; someone@example.org
        Action: failed
        Status: bogus

        --B5--
        """;

    public const string AutoReply = """
        From: ann@example.org
        To: bounces@example.com
        Subject: Out of office
        Message-ID: <ooo@example.org>

        I am away until Monday.
        """;

    public static MimeKit.MimeMessage Load(string text) =>
        MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(text.ReplaceLineEndings("\r\n"))));
}
