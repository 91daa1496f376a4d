using System.Collections;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace SsdLite.Tools.Tests.Triton;

/// <summary>
/// A protobuf text-format reader for the tests: every field name is resolved through the target's
/// <see cref="MessageDescriptor"/>, so a name the schema lacks, an enum value its enum lacks, a number that does not fit
/// the field's type, a repeated singular field or a second member of a oneof is an error naming the field and line.
/// It covers what Triton's config.pbtxt files use: scalars, enums, strings, nested messages (with or without ':'),
/// lists in brackets (of scalars or messages), repeated fields written once per element, '#' comments and optional
/// ',' or ';' between fields.
/// </summary>
internal sealed class ProtoTextParser
{
    private readonly string text;
    private int position;

    private ProtoTextParser(string text) => this.text = text;

    /// <summary>Parses <paramref name="text"/> as a <typeparamref name="T"/>.</summary>
    /// <exception cref="FormatException">text the schema does not accept</exception>
    public static T Parse<T>(string text) where T : IMessage<T>, new()
    {
        var message = new T();
        var parser = new ProtoTextParser(text);
        parser.ReadFields(message, endToken: null, path: message.Descriptor.FullName);
        return message;
    }

    private void ReadFields(IMessage message, char? endToken, string path)
    {
        var seen = new HashSet<int>();
        var oneofSet = new Dictionary<OneofDescriptor, string>();
        while (true)
        {
            SkipSpaceAndComments();
            if (AtEnd)
            {
                if (endToken is not null) throw Error($"{path}: the message is not closed with '{endToken}'");
                return;
            }
            if (endToken is { } end && Peek == end)
            {
                position++;
                return;
            }
            var name = ReadIdentifier();
            var field = message.Descriptor.FindFieldByName(name)
                ?? throw Error($"{path}: no field '{name}' in {message.Descriptor.FullName}");
            var fieldPath = $"{path}.{name}";
            if (!field.IsRepeated && !seen.Add(field.FieldNumber)) throw Error($"{fieldPath}: a singular field given twice");
            if (field.RealContainingOneof is { } oneof)
            {
                if (oneofSet.TryGetValue(oneof, out var other) && other != name)
                    throw Error($"{fieldPath}: oneof {oneof.Name} already holds {other}");
                oneofSet[oneof] = name;
            }
            ReadFieldValue(message, field, fieldPath);
            SkipSpaceAndComments();
            if (!AtEnd && Peek is ',' or ';') position++;
        }
    }

    private void ReadFieldValue(IMessage message, FieldDescriptor field, string path)
    {
        SkipSpaceAndComments();
        var isMessage = field.FieldType == FieldType.Message;
        var colon = !AtEnd && Peek == ':';
        if (colon) position++;
        else if (!isMessage) throw Error($"{path}: expected ':' after a scalar field's name");
        SkipSpaceAndComments();
        if (!AtEnd && Peek == '[')
        {
            if (!field.IsRepeated) throw Error($"{path}: a list given to a field that is not repeated");
            position++;
            ReadList(message, field, path);
            return;
        }
        Store(message, field, ReadElement(field, path));
    }

    private void ReadList(IMessage message, FieldDescriptor field, string path)
    {
        SkipSpaceAndComments();
        if (!AtEnd && Peek == ']')
        {
            position++;
            return;
        }
        for (var index = 0; ; index++)
        {
            Store(message, field, ReadElement(field, $"{path}[{index}]"));
            SkipSpaceAndComments();
            if (AtEnd) throw Error($"{path}: the list is not closed with ']'");
            var c = text[position++];
            if (c == ']') return;
            if (c != ',') throw Error($"{path}: expected ',' or ']' in a list, found '{c}'");
        }
    }

    private object ReadElement(FieldDescriptor field, string path)
    {
        SkipSpaceAndComments();
        if (field.FieldType != FieldType.Message) return ReadScalar(field, path);
        if (AtEnd || (Peek != '{' && Peek != '<')) throw Error($"{path}: expected '{{' to open a {field.MessageType.FullName}");
        var close = text[position++] == '{' ? '}' : '>';
        var nested = field.MessageType.Parser.ParseFrom(ByteString.Empty);
        ReadFields(nested, close, path);
        return nested;
    }

    private object ReadScalar(FieldDescriptor field, string path)
    {
        switch (field.FieldType)
        {
            case FieldType.String:
                return ReadString(path);
            case FieldType.Bool:
                var word = ReadIdentifier();
                return word switch
                {
                    "true" or "True" or "t" or "1" => true,
                    "false" or "False" or "f" or "0" => false,
                    _ => throw Error($"{path}: '{word}' is not a bool"),
                };
            case FieldType.Enum:
                return ReadEnum(field, path);
            default:
                return ReadNumber(field, path);
        }
    }

    private object ReadEnum(FieldDescriptor field, string path)
    {
        var word = ReadIdentifier();
        var value = field.EnumType.FindValueByName(word)
            ?? throw Error($"{path}: '{word}' is not a value of enum {field.EnumType.FullName} ({string.Join(", ", field.EnumType.Values.Select(v => v.Name))})");
        return Enum.ToObject(field.EnumType.ClrType, value.Number);
    }

    private object ReadNumber(FieldDescriptor field, string path)
    {
        var start = position;
        if (!AtEnd && Peek is '-' or '+') position++;
        while (!AtEnd && (char.IsAsciiLetterOrDigit(Peek) || Peek is '.' or '-' or '+')) position++;
        var token = text[start..position];
        const NumberStyles integer = NumberStyles.AllowLeadingSign;
        var c = CultureInfo.InvariantCulture;
        object? value = field.FieldType switch
        {
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => int.TryParse(token, integer, c, out var i) ? i : null,
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => long.TryParse(token, integer, c, out var l) ? l : null,
            FieldType.UInt32 or FieldType.Fixed32 => uint.TryParse(token, NumberStyles.None, c, out var u) ? u : null,
            FieldType.UInt64 or FieldType.Fixed64 => ulong.TryParse(token, NumberStyles.None, c, out var ul) ? ul : null,
            FieldType.Float => float.TryParse(token, NumberStyles.Float, c, out var f) ? f : null,
            FieldType.Double => double.TryParse(token, NumberStyles.Float, c, out var d) ? d : null,
            _ => throw Error($"{path}: fields of type {field.FieldType} are not read by this parser"),
        };
        return value ?? throw Error($"{path}: '{token}' does not fit the field's type {field.FieldType}");
    }

    private static void Store(IMessage message, FieldDescriptor field, object value)
    {
        if (field.IsRepeated) ((IList)field.Accessor.GetValue(message)).Add(value);
        else field.Accessor.SetValue(message, value);
    }

    private string ReadString(string path)
    {
        if (AtEnd || (Peek != '"' && Peek != '\'')) throw Error($"{path}: expected a quoted string");
        var quote = text[position++];
        var value = new StringBuilder();
        while (true)
        {
            if (AtEnd || Peek == '\n') throw Error($"{path}: the string is not closed");
            var c = text[position++];
            if (c == quote) break;
            if (c != '\\')
            {
                value.Append(c);
                continue;
            }
            if (AtEnd) throw Error($"{path}: the string ends in '\\'");
            var escaped = text[position++];
            value.Append(escaped switch
            {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                '\\' or '"' or '\'' => escaped,
                _ => throw Error($"{path}: the escape '\\{escaped}' is not read by this parser"),
            });
        }
        // Adjacent string literals are one value, as in the text format.
        SkipSpaceAndComments();
        return !AtEnd && Peek is '"' or '\'' ? value.Append(ReadString(path)).ToString() : value.ToString();
    }

    private string ReadIdentifier()
    {
        SkipSpaceAndComments();
        var start = position;
        while (!AtEnd && (char.IsAsciiLetterOrDigit(Peek) || Peek == '_')) position++;
        if (start == position) throw Error(AtEnd ? "unexpected end of text" : $"expected a name, found '{Peek}'");
        return text[start..position];
    }

    private void SkipSpaceAndComments()
    {
        while (!AtEnd)
        {
            if (char.IsWhiteSpace(Peek)) position++;
            else if (Peek == '#')
            {
                while (!AtEnd && Peek != '\n') position++;
            }
            else return;
        }
    }

    private bool AtEnd => position >= text.Length;

    private char Peek => text[position];

    private FormatException Error(string message)
    {
        var line = 1 + text.AsSpan(0, Math.Min(position, text.Length)).Count('\n');
        return new FormatException($"line {line}: {message}");
    }
}
