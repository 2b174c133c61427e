namespace MailSender.Templates.Liquid;

/// <summary>A template read a value its model does not have, with missing values configured as errors.</summary>
internal sealed class MissingValueException(string name) : Exception($"The model has no value '{name}'.")
{
    public string Name { get; } = name;
}
