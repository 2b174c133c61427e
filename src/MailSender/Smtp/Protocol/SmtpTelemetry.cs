using System.Diagnostics;
using System.Security.Authentication;
using MailSender.Diagnostics;

namespace MailSender.Smtp.Protocol;

/// <summary>The spans and log events of one SMTP connection: connect, TLS, authenticate; opened, failed, closed.</summary>
internal static class SmtpTelemetry
{
    /// <summary>Ends the connect span and starts the authenticate span.</summary>
    public static Activity? Authenticating(Activity? connect, SmtpEndpoint endpoint)
    {
        connect?.Dispose();
        return MailSenderTelemetry.StartSmtp(TelemetryNames.AuthenticateSpan, endpoint.Host, endpoint.Port);
    }

    /// <summary>Records the TLS handshake as a child of the current (connect) span, from the times the connector measured.</summary>
    public static void TlsHandshake(SmtpConnectionInfo info, Exception? error)
    {
        if (info.TlsStarted is not { } start)
        {
            return;
        }

        MailSenderTelemetry.RecordSpan(
            TelemetryNames.TlsSpan,
            start,
            info.TlsEnded ?? TimeProvider.System.GetUtcNow(),
            info.IsSecure ? TlsVersion(info.TlsProtocol) : null,
            info.TlsEnded is null ? error : null);
    }

    /// <summary>Ends the connection's span and logs it opened.</summary>
    public static void Opened(this MailSenderTelemetry telemetry, Activity? span, SmtpEndpoint endpoint, SmtpConnectionInfo info, bool authenticated, TimeSpan elapsed)
    {
        span?.Dispose();
        Log.ConnectionOpened(telemetry.Logger, endpoint.Host, endpoint.Port, info.IsSecure ? TlsVersion(info.TlsProtocol) ?? "yes" : "none", authenticated, (long)elapsed.TotalMilliseconds);
    }

    /// <summary>Marks the span of the failed phase, ends it and logs the failure (its kind only: the reason goes with the send failure).</summary>
    public static void OpenFailed(this MailSenderTelemetry telemetry, Activity? span, SmtpEndpoint endpoint, Exception error)
    {
        MailSenderTelemetry.Fail(span, error);
        span?.Dispose();
        Log.ConnectionFailed(telemetry.Logger, endpoint.Host, endpoint.Port, TelemetryNames.ErrorType(error));
    }

    /// <summary>The OpenTelemetry <c>tls.protocol.version</c> of a protocol: <c>1.2</c>, <c>1.3</c>.</summary>
    public static string? TlsVersion(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "1.3",
        SslProtocols.Tls12 => "1.2",
#pragma warning disable SYSLIB0039, CA5397 // Old protocols are only named here, never enabled.
        SslProtocols.Tls11 => "1.1",
        SslProtocols.Tls => "1.0",
#pragma warning restore SYSLIB0039, CA5397
        _ => null,
    };
}
