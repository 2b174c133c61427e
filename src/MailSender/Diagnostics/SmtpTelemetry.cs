using System.Diagnostics;
using System.Security.Authentication;
using MailSender.Smtp;

namespace MailSender.Diagnostics;

/// <summary>The spans and log events of one SMTP connection: connect, TLS, authenticate; opened, failed, closed.</summary>
internal static class SmtpTelemetry
{
    /// <summary>Ends the connect span and starts the authenticate span, when credentials are configured.</summary>
    public static Activity? Authenticating(Activity? connect, SmtpTransportSettings settings)
    {
        connect?.Dispose();
        return settings.UserName is null ? null : MailSenderTelemetry.StartSmtp(TelemetryNames.AuthenticateSpan, settings.Host, settings.Port);
    }

    /// <summary>Records the TLS handshake as a child of the connect span, from the times the protocol tracker saw.</summary>
    /// <remarks>
    /// STARTTLS: from the server's 220 to the first command over TLS. Implicit TLS: from the TCP connection to the greeting,
    /// which is read over the finished session. A handshake that failed ends when the failure was seen.
    /// </remarks>
    public static void TlsHandshake(RecordingSmtpClient client, bool implicitTls, Exception? error)
    {
        var start = implicitTls ? client.TcpConnected : client.StartTlsStarted;
        if (start is null)
        {
            return;
        }

        var end = implicitTls ? client.FirstServerReply : client.StartTlsEnded;
        if (end is null && error is null)
        {
            return;
        }

        MailSenderTelemetry.RecordSpan(
            TelemetryNames.TlsSpan,
            start.Value,
            end ?? TimeProvider.System.GetUtcNow(),
            client.IsSecure ? TlsVersion(client.SslProtocol) : null,
            end is null ? error : null);
    }

    /// <summary>Ends the connection's spans and logs it opened.</summary>
    public static void Opened(this MailSenderTelemetry telemetry, Activity? span, SmtpTransportSettings settings, RecordingSmtpClient client, TimeSpan elapsed)
    {
        span?.Dispose();
        SmtpLog.ConnectionOpened(telemetry.Logger, settings.Host, settings.Port, client.IsSecure ? TlsVersion(client.SslProtocol) ?? "yes" : "none", settings.UserName is not null, (long)elapsed.TotalMilliseconds);
    }

    /// <summary>Marks the span of the failed phase, ends it and logs the failure (its kind only: the reason goes with the send failure).</summary>
    public static void OpenFailed(this MailSenderTelemetry telemetry, Activity? span, SmtpTransportSettings settings, Exception error)
    {
        MailSenderTelemetry.Fail(span, error);
        span?.Dispose();
        SmtpLog.ConnectionFailed(telemetry.Logger, settings.Host, settings.Port, TelemetryNames.ErrorType(error));
    }

    /// <summary>The OpenTelemetry <c>tls.protocol.version</c> of a protocol: <c>1.2</c>, <c>1.3</c>.</summary>
    public static string? TlsVersion(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "1.3",
        SslProtocols.Tls12 => "1.2",
#pragma warning disable SYSLIB0039 // Old protocols are only named here, never enabled.
        SslProtocols.Tls11 => "1.1",
        SslProtocols.Tls => "1.0",
#pragma warning restore SYSLIB0039
        _ => null,
    };
}
