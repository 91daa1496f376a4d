using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace SsdLite.Data;

/// <summary>
/// Reads one VOC annotation file, collecting every problem it finds instead of stopping at the first, so a
/// user fixes a file in one go. Boxes are checked in the file's own 1-based coordinates (the numbers a user
/// sees in the file) and converted to 0-based only once they pass.
/// </summary>
internal sealed class VocAnnotationParser
{
    private static readonly string[] CoordinateNames = ["xmin", "ymin", "xmax", "ymax"];

    private readonly string _path;
    private readonly Labels _labels;
    private readonly ICollection<DataIssue> _issues;
    private bool _failed;

    private VocAnnotationParser(string path, Labels labels, ICollection<DataIssue> issues)
    {
        _path = path;
        _labels = labels;
        _issues = issues;
    }

    /// <summary>The parsed annotation: null when any issue was added.</summary>
    internal sealed record Result(string? FileName, int Width, int Height, IReadOnlyList<AnnotatedObject> Objects);

    internal static Result? Parse(string path, Labels labels, ICollection<DataIssue> issues) =>
        new VocAnnotationParser(path, labels, issues).Parse();

    private Result? Parse()
    {
        XElement? root = LoadRoot();
        if (root is null)
        {
            return null;
        }
        (int width, int height)? size = ReadSize(root);
        var objects = new List<AnnotatedObject>();
        int index = 0;
        foreach (XElement element in root.Elements("object"))
        {
            index++;
            AnnotatedObject? parsed = ReadObject(element, index, size);
            if (parsed is { } o)
            {
                objects.Add(o);
            }
        }
        if (_failed || size is null)
        {
            return null;
        }
        string? fileName = root.Element("filename")?.Value.Trim();
        return new Result(fileName, size.Value.width, size.Value.height, objects);
    }

    private XElement? LoadRoot()
    {
        XDocument document;
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
            var bytes = AnnotationFiles.ReadAllBytes(_path, AnnotationFiles.VocXmlMaxBytes, "the VOC annotation");
            using XmlReader reader = XmlReader.Create(new MemoryStream(bytes, writable: false), settings);
            document = XDocument.Load(reader);
        }
        catch (InvalidDataException e)
        {
            Report(DataIssueKind.FileTooLarge, e.Message);
            return null;
        }
        catch (XmlException e)
        {
            Report(DataIssueKind.MalformedXml, $"malformed XML at line {e.LineNumber}, position {e.LinePosition}: {e.Message}");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Report(DataIssueKind.MalformedXml, $"cannot read the annotation: {e.Message}");
            return null;
        }
        XElement root = document.Root!;
        if (root.Name.LocalName != "annotation")
        {
            Report(DataIssueKind.NotVocXml, $"not a VOC annotation: the root element is <{root.Name.LocalName}>, not <annotation>");
            return null;
        }
        return root;
    }

    private (int, int)? ReadSize(XElement root)
    {
        XElement? size = root.Element("size");
        if (size is null)
        {
            Report(DataIssueKind.MissingField, "no <size> element");
            return null;
        }
        double? width = ReadNumber(size, "width", "");
        double? height = ReadNumber(size, "height", "");
        if (width is not { } w || height is not { } h)
        {
            return null;
        }
        if (w < 1 || h < 1 || w != Math.Floor(w) || h != Math.Floor(h))
        {
            Report(DataIssueKind.InvalidSize, $"<size> is {Format(w)}x{Format(h)}; width and height must be positive whole numbers");
            return null;
        }
        return ((int)w, (int)h);
    }

    private AnnotatedObject? ReadObject(XElement element, int index, (int Width, int Height)? size)
    {
        string name = element.Element("name")?.Value.Trim() ?? "";
        if (name.Length == 0)
        {
            Report(DataIssueKind.MissingField, $"object {index}: no <name>");
            return null;
        }
        string where = $"object {index} ('{name}')";
        bool known = _labels.TryGetId(name, out int classId);
        if (!known)
        {
            Report(DataIssueKind.UnknownClass, $"{where}: unknown class '{name}' (not in {_labels.Source})");
        }
        bool? difficult = ReadFlag(element, "difficult", where);
        bool? truncated = ReadFlag(element, "truncated", where);
        double[]? raw = ReadBox(element, where);
        if (raw is null || !BoxIsValid(raw, where, size) || !known || difficult is null || truncated is null)
        {
            return null;
        }
        // VOC pixels are 1-based and inclusive; the rest of SsdLite is 0-based, as the reference reads them.
        var box = new BoxF((float)(raw[0] - 1), (float)(raw[1] - 1), (float)(raw[2] - 1), (float)(raw[3] - 1));
        return new AnnotatedObject(classId, name, box, difficult.Value, truncated.Value);
    }

    private double[]? ReadBox(XElement element, string where)
    {
        XElement? box = element.Element("bndbox");
        if (box is null)
        {
            Report(DataIssueKind.MissingField, $"{where}: no <bndbox>");
            return null;
        }
        var values = new double[4];
        bool complete = true;
        for (int i = 0; i < 4; i++)
        {
            double? value = ReadNumber(box, CoordinateNames[i], where);
            complete &= value.HasValue;
            values[i] = value ?? 0;
        }
        return complete ? values : null;
    }

    private bool BoxIsValid(double[] b, string where, (int Width, int Height)? size)
    {
        bool valid = true;
        valid &= CheckOrder(b[0], b[2], "x", where);
        valid &= CheckOrder(b[1], b[3], "y", where);
        // 0 is tolerated on the low side: several annotation tools write 0-based pixels into VOC files.
        if (valid && size is { } s && (b[0] < 0 || b[1] < 0 || b[2] > s.Width || b[3] > s.Height))
        {
            Report(DataIssueKind.BoxOutsideImage,
                $"{where}: box ({Format(b[0])}, {Format(b[1])}, {Format(b[2])}, {Format(b[3])}) lies outside the {s.Width}x{s.Height} image");
            valid = false;
        }
        return valid;
    }

    private bool CheckOrder(double min, double max, string axis, string where)
    {
        if (min > max)
        {
            Report(DataIssueKind.InvertedBox, $"{where}: inverted box, {axis}min {Format(min)} > {axis}max {Format(max)}");
            return false;
        }
        if (min == max)
        {
            Report(DataIssueKind.ZeroAreaBox, $"{where}: zero-area box, {axis}min = {axis}max = {Format(min)}");
            return false;
        }
        return true;
    }

    private bool? ReadFlag(XElement element, string name, string where)
    {
        XElement? flag = element.Element(name);
        if (flag is null)
        {
            return false;
        }
        double? value = ReadNumber(element, name, where);
        return value is { } v ? v != 0 : null;
    }

    private double? ReadNumber(XElement parent, string name, string where)
    {
        XElement? element = parent.Element(name);
        if (element is null)
        {
            Report(DataIssueKind.MissingField, $"{Prefix(where)}<{parent.Name.LocalName}> has no <{name}>");
            return null;
        }
        string text = element.Value.Trim();
        // Invariant culture: some VOC files carry float coordinates such as "273.5".
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            Report(DataIssueKind.InvalidNumber, $"{Prefix(where)}<{name}> is '{text}', not a number");
            return null;
        }
        return value;
    }

    private void Report(DataIssueKind kind, string message)
    {
        _failed = true;
        _issues.Add(new DataIssue(_path, kind, message));
    }

    private static string Prefix(string where) => where.Length == 0 ? "" : where + ": ";

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
