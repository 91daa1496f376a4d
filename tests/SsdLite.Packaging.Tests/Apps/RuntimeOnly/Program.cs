// Detects objects in an image with an exported SsdLite ONNX model, on ONNX Runtime alone.
// Usage: RuntimeOnly MODEL.onnx IMAGE SCORE_THRESHOLD TOP_K; one line per detection: label score xmin ymin xmax ymax.
using System.Globalization;
using SsdLite.Runtime;
using SsdLite.Vision;

using var detector = OnnxDetector.Load(args[0]);
detector.PostProcessor = ClassLabels.PostProcessorFor(detector, float.Parse(args[2], CultureInfo.InvariantCulture),
    topK: int.Parse(args[3], CultureInfo.InvariantCulture));
var image = ImageIO.Read(args[1]);
foreach (var d in detector.Detect(image))
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{d.Label} {d.Score:R} {d.Box.XMin:R} {d.Box.YMin:R} {d.Box.XMax:R} {d.Box.YMax:R}"));
