using System.Reflection;
using SsdLite.Core;
using YamlDotNet.Core;
using Scalar = YamlDotNet.Core.Events.Scalar;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.EventEmitters;
using YamlDotNet.Serialization.NamingConventions;

namespace SsdLite.Tools.Training;

/// <summary>
/// Binds <see cref="TrainOptions"/> to YAML through YamlDotNet. Each key is its property, named by YamlDotNet's
/// underscored convention (or a <see cref="YamlMemberAttribute"/> alias), so reading, <c>--set</c> and writing the
/// run record share one definition per key. Values are bound one key at a time, so an error names its key and line.
/// </summary>
internal static class TrainOptionsYaml
{
    private static readonly INamingConvention Naming = UnderscoredNamingConvention.Instance;

    private static readonly IDeserializer Reader = new DeserializerBuilder()
        .WithNamingConvention(Naming)
        .WithTypeConverter(new ConfigEnumConverter())
        .Build();

    private static readonly ISerializer Writer = new SerializerBuilder()
        .WithNamingConvention(Naming)
        .WithTypeConverter(new ConfigEnumConverter())
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.Preserve)
        .WithEventEmitter(next => new NullAsWord(next), where => where.OnBottom())
        .DisableAliases()
        .Build();

    /// <summary>Every key a config may set, with the property it binds, in declaration order.</summary>
    public static IReadOnlyDictionary<string, PropertyInfo> Properties { get; } = typeof(TrainOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanRead && p.CanWrite && p.GetCustomAttribute<YamlIgnoreAttribute>() is null)
        .ToDictionary(KeyOf, p => p, StringComparer.Ordinal);

    public static string Write(TrainOptions options) => Writer.Serialize(options);

    /// <summary>Binds one key's YAML node onto <paramref name="options"/>; <paramref name="where"/> names its source.</summary>
    public static void Bind(TrainOptions options, string key, YamlNode value, string where)
    {
        if (!Properties.TryGetValue(key, out var property)) throw UnknownKey(key, where);
        var text = Text(value);
        var shown = value is YamlScalarNode scalar ? scalar.Value : text.Replace("\n...", "", StringComparison.Ordinal).Trim();
        object? bound;
        try
        {
            bound = Reader.Deserialize(text, property.PropertyType);
        }
        catch (Exception e) when (e is YamlException or ArgumentException or FormatException or OverflowException)
        {
            throw new ConfigException($"{where}: bad value '{shown}' for '{key}': {Innermost(e).Message}");
        }
        if (bound is null && property.PropertyType.IsValueType && Nullable.GetUnderlyingType(property.PropertyType) is null)
            throw new ConfigException($"{where}: '{key}' needs a value");
        try
        {
            property.SetValue(options, bound);
        }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException or FormatException)
        {
            throw new ConfigException($"{where}: bad value '{shown}' for '{key}': {e.InnerException.Message}");
        }
    }

    /// <summary>
    /// The node a command-line value stands for: a sequence for a list key (comma-separated, YAML's flow brackets
    /// allowed), otherwise the scalar as written.
    /// </summary>
    public static YamlNode CommandLineNode(string key, string value, string where)
    {
        if (!Properties.TryGetValue(key, out var property)) throw UnknownKey(key, where);
        if (!IsList(property.PropertyType)) return new YamlScalarNode(value);
        var items = value.Trim();
        if (items.StartsWith('[') && items.EndsWith(']')) items = items[1..^1];
        return new YamlSequenceNode(items.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(item => (YamlNode)new YamlScalarNode(item)));
    }

    private static ConfigException UnknownKey(string key, string where)
    {
        var nearest = Properties.Keys.MinBy(k => EditDistance(k, key));
        return new ConfigException($"{where}: unknown key '{key}' (did you mean '{nearest}'? known keys: {string.Join(", ", Properties.Keys.Order(StringComparer.Ordinal))})");
    }

    private static string KeyOf(PropertyInfo property) =>
        property.GetCustomAttribute<YamlMemberAttribute>()?.Alias ?? Naming.Apply(property.Name);

    private static bool IsList(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>);

    private static string Text(YamlNode node)
    {
        var writer = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;

    // Levenshtein distance, to name the known key a misspelt one was meant to be.
    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            previous = current;
        }
        return previous[b.Length];
    }

    /// <summary>
    /// Enums as the configs write them: snake_case names (<c>multi_step</c>, <c>make_divisible</c>), read ignoring case
    /// and underscores; an architecture by its published name (<c>mb2-ssd-lite</c>).
    /// </summary>
    private sealed class ConfigEnumConverter : IYamlTypeConverter
    {
        public bool Accepts(Type type) => (Nullable.GetUnderlyingType(type) ?? type).IsEnum;

        public object? ReadYaml(IParser parser, Type type, ObjectDeserializer rootDeserializer)
        {
            var scalar = parser.Consume<Scalar>();
            var enumType = Nullable.GetUnderlyingType(type) ?? type;
            if (enumType != type && scalar is { Style: ScalarStyle.Plain, Value: "" or "~" or "null" or "Null" or "NULL" }) return null;
            if (enumType == typeof(SsdArch)) return SsdArchs.Parse(scalar.Value);
            return Enum.TryParse(enumType, scalar.Value.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var value)
                ? value
                : throw new YamlException(scalar.Start, scalar.End, $"expected one of {string.Join(", ", Enum.GetNames(enumType).Select(Snake))}");
        }

        public void WriteYaml(IEmitter emitter, object? value, Type type, ObjectSerializer serializer)
        {
            var text = value switch
            {
                null => "null",
                SsdArch arch => arch.Name(),
                _ => Snake(value.ToString()!),
            };
            emitter.Emit(new Scalar(text));
        }

        private static string Snake(string pascal) =>
            string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
    }

    /// <summary>Writes an unset value as <c>null</c>, as the run record has always read, rather than as nothing.</summary>
    private sealed class NullAsWord(IEventEmitter next) : ChainedEventEmitter(next)
    {
        public override void Emit(ScalarEventInfo eventInfo, IEmitter emitter)
        {
            if (eventInfo.Source.Value is null)
            {
                eventInfo.RenderedValue = "null";
                eventInfo.Style = ScalarStyle.Plain;
            }
            base.Emit(eventInfo, emitter);
        }
    }
}
