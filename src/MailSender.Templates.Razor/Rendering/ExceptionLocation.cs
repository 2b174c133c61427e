using System.Diagnostics;

namespace MailSender.Templates.Razor.Rendering;

/// <summary>
/// Where in the application's code an exception was thrown: Razor-generated code maps to the .razor file through
/// <c>#line</c>, so the first frame with a file is usually the template's line.
/// </summary>
internal static class ExceptionLocation
{
    /// <summary>The file and line of the innermost frame with source information (a .razor file preferred), if any.</summary>
    public static (string? Path, int? Line, int? Column) Find(Exception exception)
    {
        StackFrame[] frames;
        try
        {
            frames = new StackTrace(exception, fNeedFileInfo: true).GetFrames();
        }
        catch (Exception reading) when (reading is not OutOfMemoryException)
        {
            // Symbols that cannot be read only cost the location.
            return default;
        }

        var withFile = frames.Where(frame => !string.IsNullOrEmpty(frame.GetFileName()) && frame.GetFileLineNumber() > 0).ToList();
        var frame = withFile.FirstOrDefault(f => f.GetFileName()!.EndsWith(".razor", StringComparison.OrdinalIgnoreCase))
            ?? withFile.FirstOrDefault();
        if (frame is null)
        {
            return default;
        }

        var column = frame.GetFileColumnNumber();
        return (frame.GetFileName(), frame.GetFileLineNumber(), column > 0 ? column : null);
    }
}
