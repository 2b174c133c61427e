using Microsoft.Extensions.Options;

namespace MailSender.DependencyInjection;

/// <summary>
/// Checks the data annotations of <see cref="MailSenderOptions"/> and every nested option object (ranges, required
/// sections), including those Polly's own option types carry. Source-generated: no reflection at run time.
/// </summary>
[OptionsValidator]
internal sealed partial class MailSenderOptionsAnnotations : IValidateOptions<MailSenderOptions>
{
}
