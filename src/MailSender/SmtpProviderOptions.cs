namespace MailSender;

/// <summary>Options of a provider preset chosen with <c>UseProvider</c> (the same as the <c>relay://</c> URI parameters).</summary>
public class SmtpProviderOptions
{
    /// <summary>Gets or sets the region, e.g. <c>eu</c> for Mailgun or <c>eu-west-1</c> for Amazon SES. URI parameter: <c>region</c>.</summary>
    /// <value>The default is <see langword="null"/>: the preset's default region (Amazon SES requires one).</value>
    public string? Region { get; set; }

    /// <summary>Gets or sets a host that replaces the preset's, e.g. a local test server. URI parameter: <c>host</c>.</summary>
    /// <value>The default is <see langword="null"/>: the preset's host.</value>
    public string? Host { get; set; }

    /// <summary>Gets or sets a port that replaces the preset's. URI parameter: <c>port</c>.</summary>
    /// <value>The default is <see langword="null"/>: the preset's port.</value>
    public int? Port { get; set; }
}
