using System.ComponentModel.DataAnnotations;
using MailSender.Outbox.Storage;
using Microsoft.Extensions.Options;

namespace MailSender.Outbox.DependencyInjection;

/// <summary>Checks <see cref="OutboxOptions"/> at start-up: ranges, the store's form, and back-off bounds that make sense together.</summary>
internal sealed class OutboxOptionsValidation : IValidateOptions<OutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        var failures = new List<string>();
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            failures.AddRange(results.Select(r => $"MailSender:Outbox:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
        }

        if (options.MaximalBackoff < options.MinimalBackoff)
        {
            failures.Add($"MailSender:Outbox:MaximalBackoff ({options.MaximalBackoff}) is shorter than MinimalBackoff ({options.MinimalBackoff}).");
        }

        if (options.RetainFinished is { } retain && retain <= TimeSpan.Zero)
        {
            failures.Add("MailSender:Outbox:RetainFinished must be positive (or unset to keep finished messages).");
        }

        if (!string.IsNullOrWhiteSpace(options.Store))
        {
            try
            {
                StoreLocation.Split(options.Store);
            }
            catch (EmailSendException ex)
            {
                failures.Add("MailSender:Outbox:Store: " + ex.Message);
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
