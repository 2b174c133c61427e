using MailSender.Templates.Razor.Rendering;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace MailSender.Templates.Razor;

/// <summary>
/// Gives the plain-text body of a Razor mail template, written out by hand:
/// <c>&lt;EmailText&gt;Hello @Model.Name, ...&lt;/EmailText&gt;</c>, at most once per message. Without it, the text part is
/// made from the HTML.
/// </summary>
/// <remarks>
/// It renders a marker element that the engine removes from the HTML. Its text content becomes the text body: markup is
/// dropped, entities are decoded, line breaks are kept, the indentation the lines share is removed, and leading and
/// trailing blank lines are trimmed.
/// </remarks>
public sealed class EmailText : ComponentBase
{
    /// <summary>The text body, as content: text and expressions such as <c>@Model.Name</c>.</summary>
    [Parameter]
    public RenderFragment? ChildContent { get; set; }

    /// <inheritdoc />
    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.OpenElement(0, RazorMarkers.Text);
        builder.AddContent(1, ChildContent);
        builder.CloseElement();
    }
}
