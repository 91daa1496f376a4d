using System.Globalization;
using System.Text.Json;
using SsdLite.Runtime;
using SsdLite.Vision;

// ssdlite-onnx-detect MODEL.onnx IMAGE [SCORE_THRESHOLD]: detections of one image as JSON, with the native libraries
// this process has mapped whose names mention onnxruntime or torch (Linux), to show which engine served it.
if (args.Length is < 2 or > 3)
{
    Console.Error.WriteLine("usage: ssdlite-onnx-detect MODEL.onnx IMAGE [SCORE_THRESHOLD]");
    return 2;
}
try
{
    var threshold = args.Length == 3 ? float.Parse(args[2], CultureInfo.InvariantCulture) : 0.4f;
    using var detector = OnnxDetector.Load(args[0]);
    detector.PostProcessor = ClassLabels.PostProcessorFor(detector, threshold);
    var found = detector.Detect(ImageIO.Read(args[1]));
    var report = new
    {
        detections = found.Select(d => new { label = d.Label, class_id = d.ClassId, score = d.Score, box = new[] { d.Box.XMin, d.Box.YMin, d.Box.XMax, d.Box.YMax } }),
        native_libraries = MappedLibraries(),
    };
    Console.WriteLine(JsonSerializer.Serialize(report));
    return 0;
}
catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or ImageException)
{
    Console.Error.WriteLine($"ssdlite-onnx-detect: error: {e.Message}");
    return 1;
}

static string[] MappedLibraries()
{
    const string maps = "/proc/self/maps";
    if (!File.Exists(maps)) return [];
    return File.ReadLines(maps)
        .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "")
        .Where(path => path.StartsWith('/') && (path.Contains("onnxruntime", StringComparison.Ordinal) || path.Contains("torch", StringComparison.OrdinalIgnoreCase)))
        .Distinct()
        .ToArray();
}
