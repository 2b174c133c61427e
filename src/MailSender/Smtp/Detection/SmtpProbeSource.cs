namespace MailSender.Smtp.Detection;

/// <summary>Where a probed endpoint came from.</summary>
internal enum SmtpProbeSource
{
    /// <summary>A port given by the caller (<see cref="SmtpDetectionOptions.Ports"/> set explicitly, or <c>--port</c>).</summary>
    Configured,

    /// <summary>A known provider's settings, matched by host name or sender domain.</summary>
    Preset,

    /// <summary>A DNS SRV record (<c>_submissions._tcp</c> or <c>_submission._tcp</c>).</summary>
    Srv,

    /// <summary>One of the default ports (465, 587, 25, 2525).</summary>
    Probe,
}
