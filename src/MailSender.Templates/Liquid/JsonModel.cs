using System.Text.Json;
using System.Text.Json.Nodes;
using Fluid.Values;

namespace MailSender.Templates.Liquid;

/// <summary>
/// Turns a JSON model (<see cref="JsonElement"/>, <see cref="JsonNode"/>, a <see cref="JsonDocument"/>) into values
/// Liquid reads: objects as dictionaries whose names match in any case, arrays as lists, numbers as decimals.
/// </summary>
internal static class JsonModel
{
    /// <param name="model">The model.</param>
    /// <param name="strict">Whether a name an object lacks is an error (<see cref="MissingValueException"/>).</param>
    public static object? Convert(object? model, bool strict) => model switch
    {
        JsonDocument document => FromElement(document.RootElement, strict),
        JsonElement element => FromElement(element, strict),
        JsonNode node => FromElement(JsonSerializer.SerializeToElement(node), strict),
        _ => model,
    };

    private static object? FromElement(JsonElement element, bool strict) => element.ValueKind switch
    {
        JsonValueKind.Object => new JsonObject(
            element.EnumerateObject()
                .GroupBy(property => property.Name, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(group => group.Key, group => FromElement(group.Last().Value, strict), StringComparer.OrdinalIgnoreCase),
            strict),
        JsonValueKind.Array => element.EnumerateArray().Select(item => FromElement(item, strict)).ToList(),
        JsonValueKind.String => element.TryGetDateTimeOffset(out var date) && LooksLikeDate(element.GetString()!) ? date : element.GetString(),
        JsonValueKind.Number => element.TryGetDecimal(out var number) ? number : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    // "2026-12-05" and "2026-12-05T10:00:00Z" become dates (the date filter formats them in the message's culture); a
    // string that merely parses as one ("12") stays a string.
    private static bool LooksLikeDate(string text) => text.Length >= 10 && text[4] == '-' && text[7] == '-';

    /// <summary>A JSON object: its members by name, in any case. A name it lacks is a missing value, like a C# member.</summary>
    internal sealed class JsonObject(Dictionary<string, object?> members, bool strict) : IFluidIndexable
    {
        public Dictionary<string, object?> Members { get; } = members;

        public int Count => Members.Count;

        public IEnumerable<string> Keys => Members.Keys;

        public bool TryGetValue(string name, out FluidValue value)
        {
            if (Members.TryGetValue(name, out var member))
            {
                value = member is null ? NilValue.Instance : FluidValue.Create(member, Fluid.TemplateOptions.Default);
                return true;
            }

            // Liquid asks a dictionary for "size" and "first" before its own meaning of them.
            if (strict && name is not ("size" or "first"))
            {
                throw new MissingValueException(name);
            }

            value = NilValue.Instance;
            return false;
        }
    }
}
