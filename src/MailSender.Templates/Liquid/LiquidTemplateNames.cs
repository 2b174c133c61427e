using System.Globalization;

namespace MailSender.Templates.Liquid;

/// <summary>
/// How template names map to files: <c>welcome</c> is <c>welcome.liquid</c> (HTML, with the subject) and optionally
/// <c>welcome.text.liquid</c>; a localised variant puts the culture before the extension (<c>welcome.fr-FR.liquid</c>,
/// <c>welcome.fr.liquid</c>), tried from the most specific culture to the invariant one. Layouts live in
/// <c>_layouts/</c>, partials at the root or in <c>_partials/</c>.
/// </summary>
internal static class LiquidTemplateNames
{
    public const string Extension = ".liquid";
    public const string TextSuffix = ".text";
    public const string LayoutFolder = "_layouts/";
    public const string PartialFolder = "_partials/";

    /// <summary>The cultures to try for a variant, most specific first, ending with the invariant culture.</summary>
    public static IEnumerable<CultureInfo> CultureChain(CultureInfo culture)
    {
        for (var current = culture; !Equals(current, CultureInfo.InvariantCulture); current = current.Parent)
        {
            yield return current;
        }

        yield return CultureInfo.InvariantCulture;
    }

    public static string HtmlPath(string name, CultureInfo culture) => Path(name, culture, string.Empty);

    public static string TextPath(string name, CultureInfo culture) => Path(name, culture, TextSuffix);

    public static string VariantName(string name, CultureInfo culture) =>
        culture.Name.Length == 0 ? name : name + "." + culture.Name;

    /// <summary>Whether a file is a message template (not a layout, a partial, a text body or a localised variant).</summary>
    public static bool IsMessageTemplate(string path) =>
        !path.StartsWith('_') && !path.Contains("/_", StringComparison.Ordinal);

    /// <summary>A name a user gives is a relative path without the extension: no rooted path, no "..", no backslash.</summary>
    public static bool IsValidName(string name) =>
        name.Length > 0
        && !name.StartsWith('/')
        && !name.Contains('\\', StringComparison.Ordinal)
        && !name.Split('/').Any(segment => segment is "" or "." or "..")
        && !name.EndsWith(Extension, StringComparison.OrdinalIgnoreCase);

    private static string Path(string name, CultureInfo culture, string suffix) =>
        culture.Name.Length == 0 ? name + suffix + Extension : name + "." + culture.Name + suffix + Extension;
}
