namespace MailSender;

/// <summary>The settings of the pickup-folder transport, <c>pickup:PATH</c> (section <c>MailSender:Pickup</c>).</summary>
public class PickupOptions
{
    /// <summary>Gets or sets a value indicating whether each file starts with the envelope as <c>X-Sender</c> and <c>X-Receiver</c> lines.</summary>
    /// <value>The default is <see langword="true"/>, as the IIS / System.Net.Mail pickup format does. URI parameter: <c>envelope</c>.</value>
    public bool WriteEnvelope { get; set; } = true;
}
