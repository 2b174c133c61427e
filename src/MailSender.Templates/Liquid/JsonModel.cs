using System.Text.Json;
using System.Text.Json.Nodes;
using Fluid.Values;

namespace MailSender.Templates.Liquid;

/// <summary>
/// Turns a JSON model (<see cref="JsonElement"/>, <see cref="JsonNode"/>, a <see cref="JsonDocument"/>) into Liquid
/// values: objects whose names match in any case, arrays, decimal numbers, and dates for ISO 8601 date strings.
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

    private static FluidValue FromElement(JsonElement element, bool strict) => element.ValueKind switch
    {
        JsonValueKind.Object => DictionaryValue.Create(new JsonObject(
            element.EnumerateObject()
                .GroupBy(property => property.Name, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(group => group.Key, group => FromElement(group.Last().Value, strict), StringComparer.OrdinalIgnoreCase),
            strict)),
        JsonValueKind.Array => ArrayValue.Create(element.EnumerateArray().Select(item => FromElement(item, strict)).ToArray()),
        JsonValueKind.String => LooksLikeDate(element.GetString()!) && element.TryGetDateTimeOffset(out var date)
            ? DateTimeValue.Create(date)
            : StringValue.Create(element.GetString()!),
        JsonValueKind.Number => element.TryGetDecimal(out var number) ? NumberValue.Create(number) : NumberValue.Create((decimal)element.GetDouble()),
        JsonValueKind.True => BooleanValue.True,
        JsonValueKind.False => BooleanValue.False,
        _ => NilValue.Instance,
    };

    // "2026-12-05" and "2026-12-05T10:00:00Z" become dates (the date filter formats them in the message's culture); a
    // string that merely parses as one ("12") stays a string.
    private static bool LooksLikeDate(string text) => text.Length >= 10 && text[4] == '-' && text[7] == '-' && char.IsAsciiDigit(text[0]);

    /// <summary>A JSON object: its members by name, in any case. A name it lacks is a missing value, like a C# member.</summary>
    private sealed class JsonObject(Dictionary<string, FluidValue> members, bool strict) : IFluidIndexable
    {
        public int Count => members.Count;

        public IEnumerable<string> Keys => members.Keys;

        public bool TryGetValue(string name, out FluidValue value)
        {
            if (members.TryGetValue(name, out var member))
            {
                value = member;
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
