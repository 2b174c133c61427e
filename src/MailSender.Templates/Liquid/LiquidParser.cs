using System.Buffers;
using Fluid;
using Fluid.Ast;

namespace MailSender.Templates.Liquid;

/// <summary>
/// Fluid's parser with the two tags a mail template needs: <c>{% subject %}…{% endsubject %}</c>, rendered as plain
/// text (never HTML-encoded) into the message's subject, and <c>{% layout 'name' %}</c>, which wraps the rendered
/// body in <c>_layouts/name.liquid</c> (the layout writes it with <c>{{ content_for_layout }}</c>).
/// </summary>
internal static class LiquidParser
{
    public const string SubjectKey = "MailSender.Subject";
    public const string LayoutKey = "MailSender.Layout";
    public const string ContentForLayout = "content_for_layout";

    public static FluidParser Instance { get; } = Create();

    private static FluidParser Create()
    {
        var parser = new FluidParser(new FluidParserOptions { AllowFunctions = false });

        parser.RegisterEmptyBlock("subject", static async (statements, output, encoder, context) =>
        {
            var text = new StringFluidOutput();
            foreach (var statement in statements)
            {
                await statement.WriteToAsync(text, NullEncoder.Default, context).ConfigureAwait(false);
            }

            context.AmbientValues[SubjectKey] = text.ToString().Trim();
            return Completion.Normal;
        });

        parser.RegisterExpressionTag("layout", static async (expression, output, encoder, context) =>
        {
            var value = await expression.EvaluateAsync(context).ConfigureAwait(false);
            context.AmbientValues[LayoutKey] = value.ToStringValue(context);
            return Completion.Normal;
        });

        return parser;
    }

    /// <summary>Collects what a block renders.</summary>
    private sealed class StringFluidOutput : IFluidOutput
    {
        private readonly ArrayBufferWriter<char> _text = new(256);

        public void Write(string value) => _text.Write(value.AsSpan());

        public void Write(char[] buffer, int index, int count) => _text.Write(buffer.AsSpan(index, count));

        public void Advance(int count) => _text.Advance(count);

        public Memory<char> GetMemory(int sizeHint = 0) => _text.GetMemory(sizeHint);

        public Span<char> GetSpan(int sizeHint = 0) => _text.GetSpan(sizeHint);

        public ValueTask FlushAsync() => ValueTask.CompletedTask;

        public override string ToString() => new(_text.WrittenSpan);
    }
}
