using Microsoft.Extensions.FileProviders;

namespace MailSender.Templates.Razor.Rendering;

/// <summary>A component registered as a template with <c>AddRazorTemplate</c>.</summary>
/// <param name="Name">The template's name.</param>
/// <param name="Component">The component type.</param>
/// <param name="Images">Where its <c>cid:</c> images are read from, if anywhere.</param>
internal sealed record RazorTemplate(string Name, Type Component, IFileProvider? Images)
{
    /// <summary>How messages name it: <c>Razor template 'welcome' (MyApp.Welcome)</c>.</summary>
    public string Describe() => $"Razor template '{Name}' ({Component.FullName ?? Component.Name})";
}
