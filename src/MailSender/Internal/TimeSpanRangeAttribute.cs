using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace MailSender.Internal;

/// <summary>
/// Requires a <see cref="TimeSpan"/> within [minimum, maximum], given as <c>d.hh:mm:ss.fff</c>. It does what
/// <c>[Range(typeof(TimeSpan), ...)]</c> does without the type converter that attribute needs, so options stay trim- and AOT-safe.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter)]
internal sealed class TimeSpanRangeAttribute : ValidationAttribute
{
    public TimeSpanRangeAttribute(string minimum, string maximum)
        : base("The field {0} must be between {1} and {2}.")
    {
        Minimum = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);
        Maximum = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);
    }

    public TimeSpan Minimum { get; }

    public TimeSpan Maximum { get; }

    public override bool IsValid(object? value) => value is not TimeSpan span || (span >= Minimum && span <= Maximum);

    public override string FormatErrorMessage(string name) =>
        string.Format(CultureInfo.InvariantCulture, ErrorMessageString, name, Minimum, Maximum);
}
