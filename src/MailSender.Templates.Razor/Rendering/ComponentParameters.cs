using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Components;

namespace MailSender.Templates.Razor.Rendering;

/// <summary>
/// The <c>[Parameter]</c> properties of one component type, and how a model becomes its <see cref="ParameterView"/>. The
/// reflection is done once per component type and once per model type.
/// </summary>
internal sealed class ComponentParameters
{
    private const string ModelParameter = "Model";
    private static readonly ConcurrentDictionary<Type, ComponentParameters> Cache = new();
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private readonly Type _component;
    private readonly Dictionary<string, PropertyInfo> _parameters;
    private readonly PropertyInfo? _model;
    private readonly bool _capturesUnmatched;
    private readonly ConcurrentDictionary<Type, ModelProperty[]> _modelTypes = new();

    private ComponentParameters(Type component)
    {
        _component = component;
        _parameters = new Dictionary<string, PropertyInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in component.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<ParameterAttribute>() is not { } attribute || property.SetMethod is null)
            {
                continue;
            }

            // A property hidden with 'new' appears twice; the most derived one comes first.
            _parameters.TryAdd(property.Name, property);
            _capturesUnmatched |= attribute.CaptureUnmatchedValues;
        }

        _model = _parameters.GetValueOrDefault(ModelParameter);
    }

    /// <summary>The parameters of <paramref name="component"/>.</summary>
    public static ComponentParameters For(Type component) => Cache.GetOrAdd(component, static type => new ComponentParameters(type));

    /// <summary>
    /// The parameters for <paramref name="model"/>: none for <see langword="null"/>; a dictionary's entries; the whole model
    /// as <c>Model</c> when the component has such a parameter of a type the model is; otherwise the model's properties
    /// (or a JSON object's members), each to the parameter of the same name.
    /// </summary>
    /// <exception cref="EmailTemplateException">A property matches no parameter, or its value is of the wrong type.</exception>
    public ParameterView Bind(object? model, string templateName, string describe)
    {
        switch (model)
        {
            case null:
                return ParameterView.Empty;
            case var _ when _model is not null && _model.PropertyType.IsInstanceOfType(model):
                return ParameterView.FromDictionary(new Dictionary<string, object?> { [_model.Name] = model });
            case IReadOnlyDictionary<string, object?> entries:
                return FromEntries(entries, "key", templateName, describe);
            case IDictionary<string, object?> entries:
                return FromEntries(entries, "key", templateName, describe);
            case JsonElement { ValueKind: JsonValueKind.Object } json:
                return FromJson(json, templateName, describe);
            case JsonElement json:
                throw new EmailTemplateException(templateName, $"{describe} takes an object as its model, not JSON of kind {json.ValueKind}.");
            default:
                var properties = _modelTypes.GetOrAdd(model.GetType(), ModelProperties);
                var values = new Dictionary<string, object?>(properties.Length);
                foreach (var property in properties)
                {
                    values[property.Name] = property.Getter.GetValue(model);
                }

                return FromEntries(values, $"property of the model ({model.GetType().Name})", templateName, describe);
        }
    }

    private static ModelProperty[] ModelProperties(Type modelType) =>
        modelType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.GetMethod is not null && property.GetIndexParameters().Length == 0)
            .Select(property => new ModelProperty(property.Name, property))
            .ToArray();

    private ParameterView FromEntries(IEnumerable<KeyValuePair<string, object?>> entries, string what, string templateName, string describe)
    {
        var parameters = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in entries)
        {
            if (!_parameters.TryGetValue(name, out var parameter))
            {
                if (_capturesUnmatched)
                {
                    parameters[name] = value;
                    continue;
                }

                throw new EmailTemplateException(
                    templateName,
                    $"{describe} has no [Parameter] for the {what} '{name}'. Its parameters: {ParameterList()}."
                    + (_model is null ? string.Empty : $" A model of type {_model.PropertyType.Name} is passed whole as Model."));
            }

            if (!Accepts(parameter.PropertyType, value))
            {
                throw new EmailTemplateException(
                    templateName,
                    $"{describe}: the {what} '{name}' is {(value is null ? "null" : "a " + value.GetType().Name)}, but the parameter {parameter.Name} is a {parameter.PropertyType.Name}.");
            }

            parameters[parameter.Name] = value;
        }

        return ParameterView.FromDictionary(parameters);
    }

    private ParameterView FromJson(JsonElement json, string templateName, string describe)
    {
        var parameters = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var member in json.EnumerateObject())
        {
            if (!_parameters.TryGetValue(member.Name, out var parameter))
            {
                throw new EmailTemplateException(
                    templateName,
                    $"{describe} has no [Parameter] for the JSON member '{member.Name}'. Its parameters: {ParameterList()}.");
            }

            try
            {
                parameters[parameter.Name] = member.Value.Deserialize(parameter.PropertyType, JsonOptions);
            }
            catch (Exception exception) when (exception is JsonException or NotSupportedException)
            {
                throw new EmailTemplateException(
                    templateName,
                    $"{describe}: the JSON member '{member.Name}' does not convert to the parameter {parameter.Name} ({parameter.PropertyType.Name}): {exception.Message}",
                    exception);
            }
        }

        return ParameterView.FromDictionary(parameters);
    }

    private static bool Accepts(Type parameterType, object? value) =>
        value is null
            ? !parameterType.IsValueType || Nullable.GetUnderlyingType(parameterType) is not null
            : parameterType.IsInstanceOfType(value);

    private string ParameterList() =>
        _parameters.Count == 0 ? "none" : string.Join(", ", _parameters.Values.Select(p => p.Name).Order(StringComparer.Ordinal));

    /// <summary>Which component this is, for messages.</summary>
    public override string ToString() => _component.FullName ?? _component.Name;

    private sealed record ModelProperty(string Name, PropertyInfo Getter);
}
