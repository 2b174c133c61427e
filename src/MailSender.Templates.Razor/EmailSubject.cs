using MailSender.Templates.Razor.Rendering;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace MailSender.Templates.Razor;

/// <summary>
/// Gives the subject of a Razor mail template: <c>&lt;EmailSubject&gt;Welcome, @Model.Name&lt;/EmailSubject&gt;</c>, anywhere
/// in the component or its layout, at most once per message.
/// </summary>
/// <remarks>
/// It renders a marker element that the engine removes from the HTML; its text content (markup dropped, entities decoded,
/// whitespace collapsed to single spaces) becomes the subject. Without it, the text of the HTML's <c>&lt;title&gt;</c> is
/// the subject.
/// </remarks>
public sealed class EmailSubject : ComponentBase
{
    /// <summary>The subject, as content: text and expressions such as <c>@Model.Name</c>.</summary>
    [Parameter]
    public RenderFragment? ChildContent { get; set; }

    /// <inheritdoc />
    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.OpenElement(0, RazorMarkers.Subject);
        builder.AddContent(1, ChildContent);
        builder.CloseElement();
    }
}
