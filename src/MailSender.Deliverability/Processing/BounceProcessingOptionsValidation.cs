using Microsoft.Extensions.Options;

namespace MailSender.Deliverability.Processing;

/// <summary>Start-up checks of <see cref="BounceProcessingOptions"/>: one source, complete, and a sane interval.</summary>
internal sealed class BounceProcessingOptionsValidation : IValidateOptions<BounceProcessingOptions>
{
    private const string Section = "MailSender:Bounces";

    public ValidateOptionsResult Validate(string? name, BounceProcessingOptions options)
    {
        var failures = new List<string>();
        var sources = new[] { options.Maildir is { Length: > 0 }, options.Folder is { Length: > 0 }, options.Imap is not null }.Count(set => set);
        if (sources != 1)
        {
            failures.Add($"{Section}: set exactly one source of bounces (Maildir, Folder or Imap); {(sources == 0 ? "none is" : $"{sources} are")} set.");
        }

        if (options.Imap is { } imap)
        {
            if (string.IsNullOrWhiteSpace(imap.Host))
            {
                failures.Add($"{Section}:Imap:Host is required.");
            }

            if (string.IsNullOrEmpty(imap.UserName))
            {
                failures.Add($"{Section}:Imap:UserName is required.");
            }

            if (string.IsNullOrEmpty(imap.Password))
            {
                failures.Add($"{Section}:Imap:Password is required.");
            }

            if (imap.Port is < 0 or > 65535)
            {
                failures.Add($"{Section}:Imap:Port must be between 1 and 65535 (or 0 for the default); it is {imap.Port}.");
            }

            if (string.IsNullOrWhiteSpace(imap.Folder))
            {
                failures.Add($"{Section}:Imap:Folder must name a folder (INBOX by default).");
            }

            if (imap.Timeout <= TimeSpan.Zero)
            {
                failures.Add($"{Section}:Imap:Timeout must be positive; it is {imap.Timeout}.");
            }
        }

        if (options.Interval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{Section}:Interval must be at least one second; it is {options.Interval}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
